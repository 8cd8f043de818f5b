"""The mean-field symmetry model: exact properties, then each claim at a small size."""

import itertools

import numpy as np
import pytest

from models.aux import meanfield as mf

CONFIG = mf.MeanfieldTrainConfig(steps=40, step_size=0.5, batch_per_unit=2)


@pytest.fixture(params=mf.GROUPS)
def group(request):
    return mf.make_group(request.param)


def _rng(*seed):
    return np.random.default_rng(list(seed))


def test_actions_are_orthogonal_and_jointly_equivariant(group):
    theta, x = _rng(0).standard_normal((5, group.dim + 2)), _rng(1).standard_normal((7, group.dim))
    for rho, M in zip(group.rho, group.param_action(), strict=True):
        np.testing.assert_allclose(M @ M.T, np.eye(group.dim + 2), atol=1e-12)
        np.testing.assert_allclose(mf.predict(theta @ M.T, x @ rho.T), mf.predict(theta, x))


def test_fixed_projector_is_the_projector_on_fixed_points(group):
    P = group.fixed_projector()
    np.testing.assert_allclose(P @ P, P, atol=1e-12)
    np.testing.assert_allclose(P, P.T)
    assert round(np.trace(P)) == 3  # a, b and the constant direction of w
    for M in group.param_action():
        np.testing.assert_allclose(M @ P, P, atol=1e-12)


def test_unit_gradient_is_n_times_the_risk_gradient():
    group = mf.make_group("c2")
    theta, x = _rng(2).standard_normal((6, 4)), _rng(3).standard_normal((9, 2))
    y = _rng(4).standard_normal(9)
    grad = mf.unit_gradient(theta, x, mf.predict(theta, x) - y)
    eps, numeric = 1e-6, np.zeros_like(theta)
    for i, k in itertools.product(range(6), range(group.dim + 2)):
        bump = np.zeros_like(theta)
        bump[i, k] = eps
        up, down = (0.5 * np.mean((mf.predict(theta + s * bump, x) - y) ** 2) for s in (1, -1))
        numeric[i, k] = 6 * (up - down) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, atol=1e-7)


def test_teachers_have_their_symmetry(group):
    x = _rng(5).standard_normal((200, group.dim))
    moved = x @ group.rho[1].T
    wi, si, arbitrary = (mf.make_teacher(k, group) for k in mf.TEACHERS)
    np.testing.assert_allclose(wi(moved), wi(x), atol=1e-12)
    np.testing.assert_allclose(si.theta @ group.fixed_projector(), si.theta, atol=1e-12)
    assert np.abs(arbitrary(moved) - arbitrary(x)).max() > 0.1
    assert np.abs(wi.theta @ group.fixed_projector() - wi.theta).max() > 0.5


def test_distance_is_exact_optimal_transport():
    p, q = _rng(6).standard_normal((5, 4)), _rng(7).standard_normal((5, 4))
    best = min(
        ((p - q[list(perm)]) ** 2).sum(-1).mean() for perm in itertools.permutations(range(5))
    )
    scale = 0.5 * ((p**2).sum(-1).mean() + (q**2).sum(-1).mean())
    assert mf.relative_distance(p, q) == pytest.approx(np.sqrt(best / scale))
    assert mf.relative_distance(p, p[::-1]) == pytest.approx(0.0, abs=1e-12)


def test_symmetry_gap_vanishes_on_orbits(group):
    base = _rng(8).standard_normal((4, group.dim + 2))
    orbit = np.einsum("gij,nj->gni", group.param_action(), base).reshape(-1, group.dim + 2)
    assert mf.symmetry_gap(orbit, group) == pytest.approx(0.0, abs=1e-12)
    assert mf.symmetry_gap(base, group) > 0.05


def test_fa_and_ea_keep_si_laws_exactly_free_training_does_not(group):
    """FA's per-sample loss is invariant, so it cannot leave E^G even with SGD noise."""
    start = mf.init_particles(12, group, "si", _rng(9))
    teacher, P = mf.make_teacher("wi", group), group.fixed_projector()
    for scheme in ("fa", "ea"):
        theta = mf.train(start, scheme, teacher, group, CONFIG, seed=0)
        assert mf.subspace_escape(theta, P) < 1e-10
    assert mf.subspace_escape(mf.train(start, "free", teacher, group, CONFIG, seed=0), P) > 1e-4


def test_unknown_scheme_and_group_are_refused():
    group = mf.make_group("c2")
    with pytest.raises(ValueError, match="unknown scheme"):
        mf.train(np.zeros((2, 4)), "sgd", mf.make_teacher("wi", group), group, CONFIG, 0)
    with pytest.raises(ValueError, match="unknown group"):
        mf.make_group("d4")


def _mean_over_seeds(fn, n: int, seeds: int = 3) -> float:
    return float(np.mean([fn(n, seed) for seed in range(seeds)]))


def test_da_fa_and_free_clouds_agree_more_as_n_grows():
    """Invariant (SI) teacher, same WI start and samples: the schemes' clouds converge."""
    group = mf.make_group("c2")
    teacher = mf.make_teacher("si", group)

    def distances(n: int, seed: int) -> np.ndarray:
        start = mf.init_particles(n, group, "wi", _rng(seed, n))
        out = {s: mf.train(start, s, teacher, group, CONFIG, seed) for s in ("da", "fa", "free")}
        pairs = itertools.combinations(out.values(), 2)
        return np.array([mf.relative_distance(p, q) for p, q in pairs])

    small = np.mean([distances(8, s) for s in range(3)], axis=0)
    large = np.mean([distances(64, s) for s in range(3)], axis=0)
    assert (large < 0.7 * small).all(), (small, large)


def test_free_training_from_si_law_leaves_eg_less_as_n_grows():
    group = mf.make_group("c2")
    teacher, P = mf.make_teacher("si", group), group.fixed_projector()

    def escape(n: int, seed: int) -> float:
        start = mf.init_particles(n, group, "si", _rng(seed, n))
        return mf.subspace_escape(mf.train(start, "free", teacher, group, CONFIG, seed), P)

    assert _mean_over_seeds(escape, 64) < 0.6 * _mean_over_seeds(escape, 8)


def test_ea_keeps_a_risk_gap_against_the_wi_teacher():
    """The WI teacher's optimum is not in E^G: DA and FA fit it better than EA can."""
    group = mf.make_group("c2")
    teacher = mf.make_teacher("wi", group)
    start = mf.init_particles(32, group, "wi", _rng(10))
    x = _rng(11).standard_normal((2000, 2))
    risk = {
        s: mf.risk(mf.train(start, s, teacher, group, CONFIG, 0), s, teacher, group, x)
        for s in ("ea", "da", "fa")
    }
    assert risk["ea"] > 1.5 * max(risk["da"], risk["fa"]), risk


def test_subspace_heuristic_finds_eg(group):
    search = mf.discover_subspace(group, mf.make_teacher("si", group), 40, CONFIG, tol=0.1)
    assert search.basis.shape[1] == search.fixed_dim == 3
    assert search.escapes[0] > 0.3
    assert search.escapes[-1] < 0.1
    assert search.mismatch < 0.1
