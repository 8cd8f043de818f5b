"""Metrics of generated protein backbones that need no folding model (no designability).

A generated C-alpha trace can be judged on its own geometry (consecutive C-alphas 3.80 A apart,
no chain passing through itself, a compact radius of gyration, real-looking secondary structure
by P-SEA on the C-alphas), against a reference set (distributions of C-alpha bond angles and
pseudo-torsions: Wasserstein distances) and against itself and known folds (TM-scores:
diversity and novelty). All of it runs on numpy, scipy, ``tmtools`` and biotite, on CPU, so it
can score every sample, not just the few a folding model has time for.

Costs: the per-chain metrics are linear in the residues; P-SEA is one biotite call per chain;
:func:`diversity` of ``N`` chains is ``N (N - 1) / 2`` TM-align calls and :func:`novelty` of
``N`` chains against ``M`` references is ``N M`` calls (some tens of milliseconds each for ~150
residues), so :func:`backbone_report` caps both sets (``diversity_samples``,
``novelty_samples``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import wasserstein_distance
from tmtools import tm_align

from chem.secondary_structure import psea, ss_fractions

__all__ = [
    "IDEAL_CA_CA",
    "backbone_report",
    "bond_angles",
    "ca_distance_error",
    "circular_wasserstein",
    "clash_rate",
    "clashes",
    "diversity",
    "mean_ca_distance",
    "novelty",
    "pseudo_torsions",
    "radius_of_gyration",
    "tm_score",
    "wasserstein",
]

IDEAL_CA_CA = 3.80  # A, trans peptide
CLASH_MIN_SEPARATION = 3  # residue pairs at least this far apart in sequence can clash
SAME_FOLD_TM = 0.5  # TM-score at or above which two chains share a fold


def _ca(ca: np.ndarray) -> np.ndarray:
    ca = np.asarray(ca, dtype=np.float64)
    if ca.ndim != 2 or ca.shape[1] != 3:
        raise ValueError(f"expected C-alpha coordinates [L, 3], got shape {ca.shape}")
    return ca


def _steps(ca: np.ndarray) -> np.ndarray:
    return np.linalg.norm(np.diff(_ca(ca), axis=0), axis=-1)


def mean_ca_distance(ca: np.ndarray) -> float:
    """Mean distance between consecutive C-alphas (A); nan below 2 residues."""
    steps = _steps(ca)
    return float(steps.mean()) if len(steps) else float("nan")


def ca_distance_error(ca: np.ndarray) -> float:
    """Mean ``|d(CA_i, CA_i+1) - 3.80|`` (A); nan below 2 residues."""
    steps = _steps(ca)
    return float(np.abs(steps - IDEAL_CA_CA).mean()) if len(steps) else float("nan")


def clashes(ca: np.ndarray, threshold: float = 3.0) -> int:
    """Residue pairs with ``|i - j| >= 3`` whose C-alphas are closer than ``threshold`` A."""
    ca = _ca(ca)
    i, j = np.triu_indices(len(ca), k=CLASH_MIN_SEPARATION)
    return int((np.linalg.norm(ca[i] - ca[j], axis=-1) < threshold).sum())


def clash_rate(ca: np.ndarray, threshold: float = 3.0) -> float:
    """:func:`clashes` per residue."""
    return clashes(ca, threshold) / max(len(ca), 1)


def radius_of_gyration(ca: np.ndarray) -> float:
    """Root-mean-square distance of the C-alphas from their centroid (A)."""
    ca = _ca(ca)
    return float(np.sqrt(((ca - ca.mean(0)) ** 2).sum(-1).mean()))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.clip(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12, None)


def bond_angles(ca: np.ndarray) -> np.ndarray:
    """``[L - 2]`` angles ``CA_i-1, CA_i, CA_i+1`` in degrees (about 91 in a helix)."""
    ca = _ca(ca)
    u, v = _unit(ca[:-2] - ca[1:-1]), _unit(ca[2:] - ca[1:-1])
    return np.degrees(np.arccos(np.clip((u * v).sum(-1), -1.0, 1.0)))


def pseudo_torsions(ca: np.ndarray) -> np.ndarray:
    """``[L - 3]`` dihedrals of 4 consecutive C-alphas in degrees, in (-180, 180].

    IUPAC sign: a right-handed alpha-helix is about +50, a strand about -170.
    """
    ca = _ca(ca)
    b0, b1, b2 = ca[1:-2] - ca[:-3], ca[2:-1] - ca[1:-2], ca[3:] - ca[2:-1]
    n1, n2 = np.cross(b0, b1), np.cross(b1, b2)
    x = (n1 * n2).sum(-1)
    y = (np.cross(n1, n2) * _unit(b1)).sum(-1)
    angles = np.degrees(np.arctan2(y, x))
    return np.where(angles <= -180.0, angles + 360.0, angles)


def wasserstein(samples_a: np.ndarray, samples_b: np.ndarray) -> float:
    """1-D Wasserstein-1 (earth mover's) distance between two sample sets, in their units."""
    return float(wasserstein_distance(np.ravel(samples_a), np.ravel(samples_b)))


def circular_wasserstein(a_deg: np.ndarray, b_deg: np.ndarray) -> float:
    """Wasserstein-1 distance on the circle between two sets of angles, in degrees.

    Exact, by the result of Rabin, Delon & Gousseau (J. Math. Imaging Vis. 2011): with ``F`` and
    ``G`` the two CDFs on ``[0, 360)``, ``W1 = min_c integral |F - G - c|``, and the best ``c``
    (the best place to cut the circle) is a median of ``F - G`` under the uniform measure.
    ``F - G`` is piecewise constant between the pooled sample points, so this is a weighted
    median and a weighted sum, ``O(n log n)``. Samples at +179 and -179 are 2 degrees apart.
    """
    a = np.mod(np.ravel(np.asarray(a_deg, dtype=np.float64)), 360.0)
    b = np.mod(np.ravel(np.asarray(b_deg, dtype=np.float64)), 360.0)
    if len(a) == 0 or len(b) == 0:
        raise ValueError("circular_wasserstein needs samples in both sets")
    points = np.unique(np.concatenate([[0.0, 360.0], a, b]))
    left, widths = points[:-1], np.diff(points)
    difference = np.searchsorted(np.sort(a), left, side="right") / len(a) - np.searchsorted(
        np.sort(b), left, side="right"
    ) / len(b)
    order = np.argsort(difference)
    cumulative = np.cumsum(widths[order])
    shift = difference[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])]
    return float((widths * np.abs(difference - shift)).sum())


def tm_score(ca_a: np.ndarray, ca_b: np.ndarray) -> float:
    """TM-align score of two C-alpha traces, normalised by the shorter chain (poly-GLY)."""
    ca_a = np.ascontiguousarray(_ca(ca_a))
    ca_b = np.ascontiguousarray(_ca(ca_b))
    result = tm_align(ca_a, ca_b, "G" * len(ca_a), "G" * len(ca_b))
    return float(result.tm_norm_chain1 if len(ca_a) <= len(ca_b) else result.tm_norm_chain2)


def diversity(cas: Sequence[np.ndarray]) -> dict[str, float]:
    """Mean and median pairwise TM-score and fold clusters; ``N (N - 1) / 2`` TM-align calls.

    The median is the issue's diversity figure: unlike the mean, a few near-copies among many
    distinct folds do not move it.

    Clusters are single-linkage at TM >= 0.5: two chains are in one cluster when a chain of
    pairs, each at TM >= 0.5, joins them (the connected components of that graph).
    ``cluster_fraction`` is clusters per chain (1: every chain its own fold).
    """
    count = len(cas)
    parent = list(range(count))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    scores = []
    for i in range(count):
        for j in range(i + 1, count):
            score = tm_score(cas[i], cas[j])
            scores.append(score)
            if score >= SAME_FOLD_TM:
                parent[root(i)] = root(j)
    clusters = len({root(k) for k in range(count)})
    return {
        "samples": count,
        "mean_pairwise_tm": float(np.mean(scores)) if scores else float("nan"),
        "median_pairwise_tm_score": float(np.median(scores)) if scores else float("nan"),
        "clusters": clusters,
        "cluster_fraction": clusters / count if count else float("nan"),
    }


def novelty(cas: Sequence[np.ndarray], reference_cas: Sequence[np.ndarray]) -> list[float]:
    """Per chain, its highest TM-score to any reference chain (lower: more novel)."""
    if not reference_cas:
        raise ValueError("novelty needs at least one reference chain")
    return [max(tm_score(ca, ref) for ref in reference_cas) for ca in cas]


def _pooled(function, cas: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate([function(ca) for ca in cas] + [np.empty(0)])


def _spread(cas: list[np.ndarray], count: int) -> list[np.ndarray]:
    """``count`` chains evenly spaced through ``cas`` (all when fewer).

    A set ordered by length is then scored across its lengths, not on its shortest chains.
    """
    if count >= len(cas):
        return cas
    return [cas[i] for i in np.linspace(0, len(cas) - 1, count).round().astype(int)]


def _secondary_structure(cas: list[np.ndarray]) -> dict[str, float]:
    """Mean P-SEA helix, strand and coil fractions: the letters the model is conditioned on."""
    per_chain = [ss_fractions(psea(ca)) for ca in cas]
    helix = float(np.mean([f["helix"] for f in per_chain]))
    strand = float(np.mean([f["strand"] for f in per_chain]))
    return {"helix": helix, "strand": strand, "coil": 1.0 - helix - strand}


def _geometry(cas: list[np.ndarray]) -> dict[str, float | int]:
    """Chain-averaged spacing, clashes and radius of gyration (``rg / L^0.4``: size-free)."""
    lengths = np.array([len(ca) for ca in cas], dtype=np.float64)
    rg = np.array([radius_of_gyration(ca) for ca in cas])
    rg_ratio = rg / lengths**0.4
    return {
        "chains": len(cas),
        "mean_length": float(lengths.mean()),
        "mean_ca_distance": float(np.nanmean([mean_ca_distance(ca) for ca in cas])),
        "ca_distance_error": float(np.nanmean([ca_distance_error(ca) for ca in cas])),
        "clash_rate": float(np.mean([clash_rate(ca) for ca in cas])),
        "rg_mean": float(rg.mean()),
        "rg_ratio_mean": float(rg_ratio.mean()),
        "rg_ratio_std": float(rg_ratio.std()),
        "rg_ratio_min": float(rg_ratio.min()),
        "rg_ratio_max": float(rg_ratio.max()),
    }


def _distributions(cas: list[np.ndarray], reference: Sequence[np.ndarray]) -> dict[str, float]:
    """W1 of the pooled bond angles and (on the circle) pseudo-torsions against ``reference``."""
    report = {}
    angles, ref_angles = _pooled(bond_angles, cas), _pooled(bond_angles, reference)
    torsions, ref_torsions = _pooled(pseudo_torsions, cas), _pooled(pseudo_torsions, reference)
    if len(angles) and len(ref_angles):
        report["bond_angle_w1"] = wasserstein(angles, ref_angles)
    if len(torsions) and len(ref_torsions):
        report["torsion_w1"] = circular_wasserstein(torsions, ref_torsions)
    return report


def _novelty(cas: list[np.ndarray], reference: Sequence[np.ndarray]) -> dict[str, float | int]:
    best = novelty(cas, reference)
    return {
        "novelty_samples": len(cas),
        "novelty_mean_max_tm": float(np.mean(best)),
        "novelty_max_tm": float(np.max(best)),
    }


def backbone_report(
    cas: Sequence[np.ndarray],
    reference: Sequence[np.ndarray] | None = None,
    novelty_reference: Sequence[np.ndarray] | None = None,
    *,
    diversity_samples: int = 50,
    novelty_samples: int | None = None,
) -> dict[str, float | int | None]:
    """Every metric above over a set of C-alpha traces, as one flat dict.

    Per-chain values are averaged over chains (each chain counts once). Secondary structure is
    P-SEA (:func:`chem.secondary_structure.psea`) of the C-alphas, as the model is conditioned
    on; ``coil`` is the rest. ``reference`` (e.g. TS50 C-alphas) gives the Wasserstein distances
    of the pooled bond angles and pseudo-torsions (torsions on the circle).
    ``diversity_samples`` chains (0: skipped) give :func:`diversity`; ``novelty_samples``
    (None: all, 0: skipped) the mean and max of :func:`novelty` against ``novelty_reference``
    (e.g. the training set; ``novelty_samples * len(novelty_reference)`` TM-align calls). Both
    take chains evenly spaced through ``cas`` and say how many they used. Metrics not asked
    for are None.
    """
    cas = [_ca(ca) for ca in cas]
    if not cas:
        raise ValueError("backbone_report needs at least one chain")
    report: dict[str, float | int | None] = {
        **_geometry(cas),
        **_secondary_structure(cas),
        "bond_angle_w1": None,
        "torsion_w1": None,
        "diversity_samples": None,
        "mean_pairwise_tm": None,
        "median_pairwise_tm_score": None,
        "clusters": None,
        "cluster_fraction": None,
        "novelty_samples": None,
        "novelty_mean_max_tm": None,
        "novelty_max_tm": None,
    }
    if reference is not None:
        report.update(_distributions(cas, reference))
    if diversity_samples > 0:
        spread = diversity(_spread(cas, diversity_samples))
        report["diversity_samples"] = spread.pop("samples")
        report.update(spread)
    count = len(cas) if novelty_samples is None else novelty_samples
    if novelty_reference is not None and count > 0:
        report.update(_novelty(_spread(cas, count), novelty_reference))
    return report
