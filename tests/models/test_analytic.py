"""The closed-form optima against brute-force quadrature and against Monte Carlo."""

import pytest
import torch

from models.analytic import RadialMixture, radial_optimum, radial_posterior_moments

MIXTURE = RadialMixture((1.0, 1.5), (0.05, 0.05), (0.4, 0.6))


def _brute_force_moments(y, alpha, beta, noise_var):
    """Same posterior on a dense fixed grid of lengths and, for d=3, of directions (Fibonacci)."""
    r = torch.linspace(0.6, 1.9, 4001, dtype=torch.float64)
    k = 4000
    i = torch.arange(k, dtype=torch.float64) + 0.5
    z = 1 - 2 * i / k
    phi = torch.pi * (1 + 5**0.5) * i
    dirs = torch.stack([(1 - z * z).sqrt() * phi.cos(), (1 - z * z).sqrt() * phi.sin(), z], -1)
    prior = sum(
        w * torch.exp(-0.5 * ((r - m) / s) ** 2) / s
        for m, s, w in zip(MIXTURE.means, MIXTURE.stds, (0.4, 0.6), strict=True)
    )
    # log p(y | r, u) on the grid [R, U]
    diff = y[None, None, :] - beta * r[:, None, None] * dirs[None, :, :]
    log_like = -(diff * diff).sum(-1) / (2 * noise_var * alpha**2)
    log_w = torch.log(prior)[:, None] + log_like
    w = torch.softmax(log_w.flatten(), 0).view_as(log_w)
    cos = dirs @ (y / y.norm())
    return (w * r[:, None] * cos[None, :]).sum(), (w * r[:, None]).sum()


@pytest.mark.parametrize("t", [0.2, 0.5, 0.8, 0.95])
def test_closed_form_matches_brute_force_in_3d(t):
    y = torch.tensor([0.3, -0.9, 0.6], dtype=torch.float64) * (0.4 + t)
    projected, length = radial_posterior_moments(y[None], 1 - t, t, MIXTURE, 2.0)
    bf_projected, bf_length = _brute_force_moments(y, 1 - t, t, 2.0)
    torch.testing.assert_close(projected[0], bf_projected, atol=2e-3, rtol=0)
    torch.testing.assert_close(length[0], bf_length, atol=2e-3, rtol=0)


def test_conventional_optimum_is_the_monte_carlo_posterior_mean():
    """E[y1 | y_t] by self-normalised importance sampling from the prior."""
    gen = torch.Generator().manual_seed(0)
    t = 0.6
    y_t = torch.tensor([[0.2, 0.5, -0.4]], dtype=torch.float64)
    r = MIXTURE.sample(400_000, gen)
    u = torch.randn(400_000, 3, generator=gen, dtype=torch.float64)
    y1 = r[:, None] * u / u.norm(dim=-1, keepdim=True)
    log_w = -((y_t - t * y1) ** 2).sum(-1) / (2 * 2.0 * (1 - t) ** 2)
    w = torch.softmax(log_w, 0)
    expected = (w[:, None] * y1).sum(0)
    found = radial_optimum(y_t, 1 - t, t, MIXTURE, 2.0, "conventional")[0]
    torch.testing.assert_close(found, expected, atol=1e-2, rtol=0)


def test_aligned_optimum_is_longer_than_the_conventional_one():
    y_t = torch.randn(100, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    rings = RadialMixture((1.0, 2.0), (0.05, 0.05), (0.5, 0.5))
    conventional = radial_optimum(y_t, 0.7, 0.3, rings, 1.0, "conventional").norm(dim=-1)
    aligned = radial_optimum(y_t, 0.7, 0.3, rings, 1.0, "aligned").norm(dim=-1)
    assert bool((aligned > conventional).all())
    assert bool(((aligned > 1.0) & (aligned < 2.0)).all())  # E[r] lies between the rings


def test_bad_mixtures_and_times_are_refused():
    with pytest.raises(ValueError, match="one entry per component"):
        RadialMixture((1.0,), (0.1, 0.1), (1.0,))
    with pytest.raises(ValueError, match="6 standard deviations"):
        RadialMixture((0.1,), (0.1,), (1.0,))
    with pytest.raises(ValueError, match="alpha=0"):
        radial_posterior_moments(torch.ones(1, 3), 0.0, 1.0, MIXTURE, 2.0)


def test_mixture_cdf_matches_its_samples():
    samples = MIXTURE.sample(50_000, torch.Generator().manual_seed(2))
    for q in (0.9, 1.0, 1.25, 1.5, 1.6):
        empirical = float((samples <= q).double().mean())
        assert abs(empirical - float(MIXTURE.cdf(torch.tensor(q, dtype=torch.float64)))) < 0.01
