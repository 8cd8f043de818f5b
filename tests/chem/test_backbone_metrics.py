"""Backbone metrics: an ideal helix, a chain folded onto itself, TM-score invariances, TS50."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from chem.backbone_metrics import (
    backbone_report,
    bond_angles,
    ca_distance_error,
    circular_wasserstein,
    clash_rate,
    clashes,
    diversity,
    mean_ca_distance,
    novelty,
    pseudo_torsions,
    radius_of_gyration,
    tm_score,
    wasserstein,
)
from chem.proteins import load_backbone_set
from chem.secondary_structure import psea
from service.config import Settings

PROTEINS = Settings().data_dir / "proteins"
needs_data = pytest.mark.skipif(
    not (PROTEINS / "ts50.npz").is_file(), reason=f"protein data not found at {PROTEINS}"
)


def _helix(length: int) -> np.ndarray:
    """An ideal alpha-helix C-alpha trace: 100 degrees per residue, radius 2.3 A, rise 1.5 A,
    scaled to exact 3.80 A steps (unscaled they are 3.83 A)."""
    k = np.arange(length)
    angle = np.radians(100.0) * k
    ca = np.stack([2.3 * np.cos(angle), 2.3 * np.sin(angle), 1.5 * k], axis=1)
    return ca * 3.80 / np.linalg.norm(np.diff(ca, axis=0), axis=-1).mean()


def _random_walk(length: int, seed: int) -> np.ndarray:
    """A 3.80 A-step chain with random directions: no symmetry for TM-align to exploit."""
    steps = np.random.default_rng(seed).normal(size=(length - 1, 3))
    steps *= 3.80 / np.linalg.norm(steps, axis=-1, keepdims=True)
    return np.concatenate([np.zeros((1, 3)), np.cumsum(steps, axis=0)])


def _hairpin(arm: int, gap: float) -> np.ndarray:
    """A straight arm out along x and back ``gap`` A beside it: folded onto itself."""
    out = np.stack([3.80 * np.arange(arm), np.zeros(arm), np.zeros(arm)], axis=1)
    back = out[::-1] + np.array([0.0, gap, 0.0])
    return np.concatenate([out, back])


def test_ideal_helix_geometry():
    ca = _helix(30)
    assert ca_distance_error(ca) < 0.01
    assert mean_ca_distance(ca) == pytest.approx(3.80, abs=1e-9)
    assert clashes(ca) == 0
    assert clash_rate(ca) == 0.0
    angles, torsions = bond_angles(ca), pseudo_torsions(ca)
    assert angles.shape == (28,)
    assert torsions.shape == (27,)
    np.testing.assert_allclose(angles, 91.0, atol=1.5)
    np.testing.assert_allclose(torsions, 50.0, atol=2.0)  # right-handed: positive
    assert np.all((torsions > -180) & (torsions <= 180))
    # the mirror image is a left-handed helix: same angles, opposite torsions
    mirror = ca * [1.0, -1.0, 1.0]
    np.testing.assert_allclose(bond_angles(mirror), angles)
    np.testing.assert_allclose(pseudo_torsions(mirror), -torsions)


def test_psea_finds_an_ideal_helix_in_its_c_alphas():
    # radius 2.3 A, rise 1.5 A, 100 degrees a residue, unscaled: only the two ends are not helix
    k = np.arange(40)
    angle = np.radians(100.0) * k
    ca = np.stack([2.3 * np.cos(angle), 2.3 * np.sin(angle), 1.5 * k], axis=1)
    assert psea(ca).count("H") >= 36
    assert "E" not in psea(ca)


def test_ideal_helix_report_reads_as_helix():
    ca = _helix(30)
    report = backbone_report([ca], diversity_samples=0)
    assert report["helix"] > 0.8
    assert report["strand"] == 0.0
    assert report["coil"] == pytest.approx(1.0 - report["helix"])
    assert report["ca_distance_error"] < 0.01
    assert report["clash_rate"] == 0.0
    assert report["rg_mean"] == pytest.approx(radius_of_gyration(ca))
    for key in (
        "bond_angle_w1",
        "torsion_w1",
        "mean_pairwise_tm",
        "median_pairwise_tm_score",
        "novelty_mean_max_tm",
    ):
        assert report[key] is None


def test_a_chain_folded_onto_itself_clashes():
    ca = _hairpin(arm=10, gap=1.0)
    assert ca_distance_error(_hairpin(arm=10, gap=3.80)) < 0.01  # the turn is one 3.80 A step
    # residue k of the way out sits 1 A from residue 19 - k of the way back: pairs k = 0 .. 8
    # are at least 3 apart in sequence (diagonal neighbours are 3.93 A apart: no clash)
    assert clashes(ca) == 9
    assert clash_rate(ca) == clashes(ca) / len(ca)
    assert clashes(_hairpin(arm=10, gap=5.0)) == 0
    # pairs closer than 3 residues never count, however close
    assert clashes(np.zeros((3, 3))) == 0
    assert clashes(np.zeros((4, 3))) == 1


def test_radius_of_gyration_of_two_points():
    assert radius_of_gyration(np.array([[0.0, 0, 0], [2.0, 0, 0]])) == pytest.approx(1.0)


def test_tm_score_is_one_for_itself_and_a_moved_copy():
    ca = _random_walk(60, seed=0)
    moved = Rotation.random(random_state=1).apply(ca) + np.array([10.0, -5.0, 3.0])
    assert tm_score(ca, ca) == pytest.approx(1.0, abs=1e-6)
    assert tm_score(ca, moved) == pytest.approx(1.0, abs=1e-6)
    assert tm_score(ca, _random_walk(60, seed=2)) < 0.5
    # normalised by the shorter chain: a piece of a chain scores as a full match either way
    assert tm_score(ca[:40], moved) == pytest.approx(1.0, abs=1e-6)
    assert tm_score(moved, ca[:40]) == pytest.approx(1.0, abs=1e-6)


def test_diversity_and_novelty():
    a, b = _random_walk(50, seed=3), _random_walk(50, seed=4)
    a_moved = Rotation.random(random_state=5).apply(a)
    spread = diversity([a, a_moved, b])
    assert spread["samples"] == 3
    assert spread["clusters"] == 2  # a and its copy are one fold
    assert spread["mean_pairwise_tm"] == pytest.approx((1.0 + 2 * tm_score(a, b)) / 3, abs=1e-6)
    assert spread["median_pairwise_tm_score"] == pytest.approx(tm_score(a, b), abs=1e-6)
    assert diversity([a, b])["clusters"] == 2
    best = novelty([a_moved, b], [a])
    assert best[0] == pytest.approx(1.0, abs=1e-6)
    assert best[1] < 0.5


def test_identical_chains_have_median_pairwise_tm_one_and_counts_are_reported():
    a = _random_walk(40, seed=6)
    copies = [Rotation.random(random_state=seed).apply(a) for seed in range(4)]
    report = backbone_report(copies, novelty_reference=[a], novelty_samples=2)
    assert report["median_pairwise_tm_score"] == pytest.approx(1.0, abs=1e-6)
    assert report["mean_pairwise_tm"] == pytest.approx(1.0, abs=1e-6)
    assert (report["diversity_samples"], report["clusters"]) == (4, 1)
    assert report["novelty_samples"] == 2
    assert report["novelty_max_tm"] == pytest.approx(1.0, abs=1e-6)


def test_the_capped_sets_are_spread_over_the_chains():
    # ordered by length, a cap of 2 takes the shortest and the longest chain, not the 2 shortest
    chains = [_random_walk(length, seed=length) for length in (20, 30, 40, 50)]
    report = backbone_report(chains, novelty_reference=[chains[-1]], novelty_samples=2)
    assert report["novelty_max_tm"] == pytest.approx(1.0, abs=1e-6)
    assert report["novelty_samples"] == 2
    skipped = backbone_report(chains, novelty_reference=[chains[-1]], novelty_samples=0)
    assert skipped["novelty_samples"] is None
    assert skipped["novelty_max_tm"] is None


def test_wasserstein_of_identical_samples_is_zero():
    x = np.random.default_rng(0).normal(size=100)
    assert wasserstein(x, x) == 0.0
    assert wasserstein(x, x + 2.0) == pytest.approx(2.0)
    assert circular_wasserstein(x, x) == pytest.approx(0.0, abs=1e-9)


def test_circular_wasserstein_wraps_around():
    a, b = np.array([179.0, 178.0, 179.5]), np.array([-179.0, -178.0, -179.5])
    assert circular_wasserstein(a, b) == pytest.approx((2.0 + 4.0 + 1.0) / 3)  # short way round
    assert wasserstein(a, b) > 350  # the line's way
    assert circular_wasserstein([180.0], [-180.0]) == pytest.approx(0.0)
    assert circular_wasserstein([0.0], [180.0]) == pytest.approx(180.0)


def test_circular_wasserstein_is_the_best_cut_and_rotation_invariant():
    rng = np.random.default_rng(1)
    a = np.degrees(rng.vonmises(1.0, 2.0, 40))
    b = rng.uniform(-180, 180, 25)
    # brute force: the line's Wasserstein after cutting the circle at every sample point
    cuts = np.concatenate([a, b])
    brute = min(wasserstein(np.mod(a - c, 360), np.mod(b - c, 360)) for c in cuts)
    exact = circular_wasserstein(a, b)
    assert exact == pytest.approx(brute, rel=1e-9)
    assert exact <= wasserstein(a, b) + 1e-9
    assert circular_wasserstein(a + 123.0, b + 123.0) == pytest.approx(exact, rel=1e-9)


@needs_data
def test_ts50_reference_statistics():
    cas = [b.ca for b in load_backbone_set(PROTEINS / "ts50.npz")]
    report = backbone_report(cas, reference=cas, diversity_samples=4)
    assert report["chains"] == len(cas)
    assert report["mean_ca_distance"] == pytest.approx(3.80, abs=0.05)
    assert report["clash_rate"] < 0.01
    assert 0.3 < report["helix"] + report["strand"] < 0.9
    assert report["bond_angle_w1"] == 0.0
    assert report["torsion_w1"] == pytest.approx(0.0, abs=1e-9)
    assert 1.5 < report["rg_ratio_mean"] < 2.8  # Rg ~ 2.2 L^0.38 for globular chains
    assert 0.0 < report["mean_pairwise_tm"] < 0.7
    assert 0.0 < report["median_pairwise_tm_score"] < 0.7
    assert 1 <= report["clusters"] <= 4


@needs_data
def test_real_torsions_are_closer_to_each_other_than_to_a_helix():
    ts50 = [b.ca for b in load_backbone_set(PROTEINS / "ts50.npz")]
    train = [b.ca for b in load_backbone_set(PROTEINS / "train.npz")]
    real = np.concatenate([pseudo_torsions(ca) for ca in ts50])
    other = np.concatenate([pseudo_torsions(ca) for ca in train])
    helix = pseudo_torsions(_helix(100))
    assert circular_wasserstein(real, other) < 0.3 * circular_wasserstein(real, helix)
