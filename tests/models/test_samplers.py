"""Samplers against a closed form with many atoms: a centred isotropic Gaussian target.

If x_1 ~ N(0, s^2 I) on the mean-free subspace of n atoms, then x_t is N(0, (alpha^2 +
beta^2 s^2) I) there and E[x_1 | x_t] = beta s^2 / (alpha^2 + beta^2 s^2) x_t. The squared
radius sum_n |x_n|^2 / s^2 of a sample is then chi-squared with 3 (n - 1) degrees of freedom.
Clouds of 4 atoms are never collinear, so this exercises the full-rank inertia tensor where
``bench/toy.py`` exercises the diatomic.
"""

import pytest
import torch
from scipy import stats

from models import geometry
from models.interpolant import Interpolant
from models.samplers import ODESampler, SamplingCancelled, SDESampler
from models.spaces import PointClouds

NUM, ATOMS, SCALE = 3000, 4, 1.5
INTERP = Interpolant()


def gaussian_denoiser(x, t):
    a, b = INTERP.schedule.alpha(t), INTERP.schedule.beta(t)
    return b * SCALE**2 / (a * a + b * b * SCALE**2) * x


def spinning_gaussian_denoiser(batch):
    """The same optimum plus a large rotation about a shape-dependent axis."""

    def denoise(x, t):
        omega = 3 * torch.tanh(geometry.scatter_sum(x * x.roll(1, dims=-1), batch))
        return gaussian_denoiser(x, t) + torch.linalg.cross(omega[batch], x, dim=-1)

    return denoise


def _clouds():
    batch = torch.arange(NUM).repeat_interleave(ATOMS)
    return PointClouds(batch), batch, torch.zeros(NUM * ATOMS, 3, dtype=torch.float64)


def _ks_pvalue(x, batch):
    sq_radius = geometry.scatter_sum((x * x).sum(-1), batch) / SCALE**2
    return stats.kstest(sq_radius.numpy(), stats.chi2(3 * (ATOMS - 1)).cdf).pvalue


SAMPLERS = {
    "ode-euler": lambda q: ODESampler(INTERP, num_steps=100, quotient=q, method="euler"),
    "ode-heun": lambda q: ODESampler(INTERP, num_steps=40, quotient=q, time_exponent=2.0),
    "sde": lambda q: SDESampler(INTERP, num_steps=200, quotient=q, churn=0.5),
}


@pytest.mark.parametrize("quotient", [False, True], ids=["plain", "quotient"])
@pytest.mark.parametrize("kind", list(SAMPLERS))
def test_samplers_reach_the_gaussian_target(kind, quotient):
    space, batch, template = _clouds()
    x = SAMPLERS[kind](quotient).sample(gaussian_denoiser, space, template, seed=0)
    assert geometry.scatter_sum(x, batch).abs().max() < 1e-10  # stays mean-free
    assert _ks_pvalue(x, batch) > 0.01


def test_quotient_sde_without_curvature_drift_is_wrong():
    space, batch, template = _clouds()
    sampler = SDESampler(INTERP, num_steps=200, quotient=True, churn=0.5, curvature=False)
    x = sampler.sample(gaussian_denoiser, space, template, seed=0)
    assert _ks_pvalue(x, batch) < 1e-6


@pytest.mark.parametrize("quotient", [False, True], ids=["plain", "quotient"])
def test_a_noise_scale_below_one_samples_a_lower_temperature(quotient):
    space, _, template = _clouds()
    spread = {}
    for gamma in (1.0, 0.3):
        sampler = SDESampler(INTERP, num_steps=200, quotient=quotient, churn=0.5, gamma=gamma)
        x = sampler.sample(gaussian_denoiser, space, template, seed=0)
        spread[gamma] = float((x * x).sum(-1).mean())
    assert spread[0.3] < 0.8 * spread[1.0]


@pytest.mark.parametrize("kind", list(SAMPLERS))
def test_quotient_samplers_ignore_vertical_output(kind):
    space, batch, template = _clouds()
    sampler = SAMPLERS[kind](True)
    plain = sampler.sample(gaussian_denoiser, space, template, seed=3)
    spun = sampler.sample(spinning_gaussian_denoiser(batch), space, template, seed=3)
    torch.testing.assert_close(spun, plain, atol=1e-8, rtol=0)
    conventional = SAMPLERS[kind](False)
    moved = conventional.sample(spinning_gaussian_denoiser(batch), space, template, seed=3)
    assert (moved - plain).abs().max() > 0.1


@pytest.mark.parametrize("quotient", [False, True], ids=["plain", "quotient"])
def test_a_steep_time_grid_stays_below_one_in_float32(quotient):
    """rho 3 at 1,000 steps: 1 - 1000^-3 rounds to 1.0 in float32 unless the grid keeps away."""
    sampler = SDESampler(INTERP, num_steps=1000, quotient=quotient, time_exponent=3.0)
    grid = sampler.time_grid(torch.float32)
    assert (grid.diff() > 0).all()
    assert grid[0] == 0
    assert grid[-1] == 1
    torch.testing.assert_close(
        sampler.time_grid(torch.float64)[:990], grid[:990].double(), atol=1e-7, rtol=0
    )
    batch = torch.arange(100).repeat_interleave(ATOMS)
    x = sampler.sample(gaussian_denoiser, PointClouds(batch), torch.zeros(400, 3), seed=0)
    assert torch.isfinite(x).all()


def test_seed_fixes_the_samples_and_progress_is_reported():
    space, _, template = _clouds()
    sampler = ODESampler(INTERP, num_steps=5, quotient=True, method="euler")
    calls = []
    first = sampler.sample(
        gaussian_denoiser,
        space,
        template,
        seed=11,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(i, 5) for i in range(1, 6)]
    torch.testing.assert_close(sampler.sample(gaussian_denoiser, space, template, seed=11), first)
    assert not torch.allclose(sampler.sample(gaussian_denoiser, space, template, seed=12), first)


def test_cancel_stops_between_steps():
    space, _, template = _clouds()
    steps_seen = []

    def denoise(x, t):
        steps_seen.append(float(t))
        return gaussian_denoiser(x, t)

    sampler = SDESampler(INTERP, num_steps=50, quotient=True)
    with pytest.raises(SamplingCancelled, match="after 3 of 50 steps"):
        sampler.sample(denoise, space, template, seed=0, cancelled=lambda: len(steps_seen) >= 3)
    assert len(steps_seen) == 3


def test_bad_sampler_settings_are_named():
    with pytest.raises(ValueError, match="num_steps must be at least 1"):
        ODESampler(INTERP, num_steps=0, quotient=True)
    with pytest.raises(ValueError, match="gamma"):
        SDESampler(INTERP, quotient=True, gamma=-1)
    with pytest.raises(ValueError, match="churn"):
        SDESampler(INTERP, quotient=True, churn=-1)
    with pytest.raises(ValueError, match="unknown ODE method 'rk4'"):
        ODESampler(INTERP, quotient=True, method="rk4")
    with pytest.raises(ValueError, match="time_exponent"):
        ODESampler(INTERP, quotient=True, time_exponent=0.5)
