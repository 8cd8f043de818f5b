"""The measurements: risk, relative ``W_2`` between clouds, escape from a subspace, the search."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from models.aux.meanfield.groups import Group
from models.aux.meanfield.model import Teacher, predict, predict_averaged
from models.aux.meanfield.train import MeanfieldTrainConfig, Scheme, train

__all__ = [
    "SubspaceSearch",
    "discover_subspace",
    "relative_distance",
    "risk",
    "subspace_escape",
    "symmetry_gap",
]


def risk(theta: np.ndarray, scheme: Scheme, teacher: Teacher, group: Group, x: np.ndarray) -> float:
    """Population risk ``E (f - f_*)^2 / 2`` on test inputs ``[B, d]``; ``fa`` predicts ``f^G``."""
    pred = predict_averaged(theta, x, group) if scheme == "fa" else predict(theta, x)
    return float(0.5 * np.mean((pred - teacher(x)) ** 2))


def relative_distance(p: np.ndarray, q: np.ndarray) -> float:
    """Exact ``W_2`` between the uniform measures on ``p, q: [N, D]`` over their RMS norm.

    Optimal assignment is optimal transport for equal-size uniform clouds.
    """
    cost = ((p[:, None, :] - q[None, :, :]) ** 2).sum(-1)
    rows, cols = linear_sum_assignment(cost)
    scale = 0.5 * (np.mean((p**2).sum(-1)) + np.mean((q**2).sum(-1)))
    return float(np.sqrt(cost[rows, cols].mean() / max(scale, 1e-300)))


def subspace_escape(theta: np.ndarray, projector: np.ndarray) -> float:
    """How far the cloud ``nu`` is from ``P#nu`` (relative ``W_2``): zero iff it lies in ``E``."""
    return relative_distance(theta, theta @ projector)


def symmetry_gap(theta: np.ndarray, group: Group) -> float:
    """Relative ``W_2`` between ``nu`` and its symmetrisation ``nu^G = mean_g M_g#nu``.

    Both are uniform on ``|G| N`` points (``nu`` repeated), so the assignment stays exact.
    """
    moved = np.einsum("gij,nj->gni", group.param_action(), theta).reshape(-1, theta.shape[1])
    return relative_distance(np.tile(theta, (group.order, 1)), moved)


@dataclass(frozen=True)
class SubspaceSearch:
    """The heuristic's answer: an orthonormal ``basis: [D, k]`` and each round's escape."""

    basis: np.ndarray
    dims: list[int]
    escapes: list[float]
    fixed_dim: int
    mismatch: float
    """Largest sine of a principal angle between the found span and ``E^G`` (0: equal)."""


def _span_mismatch(basis: np.ndarray, projector: np.ndarray) -> float:
    """Spectral norm of the difference of the two orthogonal projectors."""
    return float(np.linalg.norm(basis @ basis.T - projector, ord=2))


def discover_subspace(
    group: Group,
    teacher: Teacher,
    n: int,
    config: MeanfieldTrainConfig,
    *,
    tol: float = 0.1,
    seed: int = 0,
) -> SubspaceSearch:
    """Grow ``E_j`` from the output weight until free training from an SI law on it stays there.

    Each round starts ``n`` particles from a Gaussian projected on ``E_j``, trains them freely,
    and if ``subspace_escape > tol`` adds the right singular vectors of the escaped part
    ``theta (I - P_j)`` whose singular values exceed ``tol`` times the cloud's norm (at least
    one). ``G`` is used only to report how the answer compares with ``E^G``.
    """
    D = group.dim + 2
    basis = np.eye(D)[:, :1]
    dims, escapes = [], []
    for j in range(D):
        P = basis @ basis.T
        start = np.random.default_rng([seed, j]).standard_normal((n, D)) @ P
        theta = train(start, "free", teacher, group, config, seed=seed + 1000 + j)
        dims.append(basis.shape[1])
        escapes.append(subspace_escape(theta, P))
        if escapes[-1] <= tol or basis.shape[1] == D:
            break
        _, s, vt = np.linalg.svd(theta - theta @ P, full_matrices=False)
        keep = max(1, int((s >= tol * np.linalg.norm(theta)).sum()))
        basis, _ = np.linalg.qr(np.concatenate([basis, vt[:keep].T], axis=1))
    fixed = group.fixed_projector()
    return SubspaceSearch(
        basis, dims, escapes, round(np.trace(fixed)), _span_mismatch(basis, fixed)
    )
