"""The C-alpha relaxation: 3.8 A steps and no clashes, and a sound trace left as it was."""

import numpy as np
from scipy.optimize import check_grad

from chem.backbone_metrics import clash_rate
from chem.backbone_relax import _energy, relax_ca_trace, restraints
from chem.secondary_structure import psea


def _helix(length: int) -> np.ndarray:
    k = np.arange(length)
    angle = np.radians(100.0) * k
    return np.stack([2.3 * np.cos(angle), 2.3 * np.sin(angle), 1.5 * k], axis=1)


def test_the_gradient_is_the_energys():
    rng = np.random.default_rng(0)
    start = np.cumsum(rng.normal(size=(15, 3)) * 2.0, axis=0)
    moved = (start + rng.normal(size=start.shape)).ravel()
    floors, targets = restraints(start)
    error = check_grad(
        lambda f: _energy(f, start, floors, targets)[0],
        lambda f: _energy(f, start, floors, targets)[1],
        moved,
    )
    assert error < 1e-3


def _scaled_helix(length: int) -> np.ndarray:
    helix = _helix(length)
    return helix * 3.80 / np.linalg.norm(np.diff(helix, axis=0), axis=1).mean()


def test_a_squeezed_helix_gets_its_spacing_back_and_stays_a_helix():
    helix = _scaled_helix(30)
    squeezed = 0.8 * helix  # steps of 3.04 A: P-SEA's distance windows all missed
    relaxed = relax_ca_trace(squeezed)
    steps = np.linalg.norm(np.diff(relaxed, axis=0), axis=1)
    assert abs(steps.mean() - 3.80) < 0.01
    centred = (relaxed - relaxed.mean(0)) - (helix - helix.mean(0))
    assert np.sqrt((centred**2).sum(1).mean()) < 0.2
    assert psea(relaxed) == psea(helix)


def test_making_room_keeps_the_local_shape():
    """A helix, a turn and a second helix laid through the first: pulled apart, both stay."""
    first = _scaled_helix(20)
    second = first + np.array([2.0, 0.0, 0.0])  # the same helix, 2 A aside: through it
    turn = first[-1] + (second[0] - first[-1]) * np.linspace(0, 1, 6)[1:-1, None]
    clashing = np.concatenate([first, turn, second])
    assert clash_rate(clashing) > 0.3
    relaxed = relax_ca_trace(clashing)
    assert clash_rate(relaxed) < 0.05
    letters = psea(relaxed)
    assert letters[2:18].count("H") >= 12
    assert letters[26:42].count("H") >= 12


def test_a_sound_helix_is_left_a_helix():
    helix = _scaled_helix(30)
    relaxed = relax_ca_trace(helix)
    assert np.sqrt(((relaxed - helix) ** 2).sum(1).mean()) < 0.05
    assert psea(relaxed) == psea(helix)
    assert psea(relaxed).count("H") >= 24
