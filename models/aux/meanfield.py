r"""Shallow networks as particle clouds under a finite group: DA, FA, EA and free training.

Maass and Fontbona, "Symmetries in Overparametrized Neural Networks: A Mean Field View",
NeurIPS 2024 (arXiv:2405.19995). A network is an ensemble of ``N`` units with parameters
``theta_i`` (the particles); ``G`` acts on inputs by orthogonal matrices ``rho_g`` and on one
unit's parameters by ``M_g``, jointly equivariantly (outputs are invariant here):

.. math::

    f(x; \Theta) = \frac{1}{N} \sum_{i=1}^N \sigma_*(x; \theta_i), \qquad
    \sigma_*(x; (a, w, b)) = a \tanh(w \cdot x + b), \qquad
    M_g (a, w, b) = (a, \rho_g w, b), \quad \sigma_*(\rho_g x; M_g \theta) = \sigma_*(x; \theta)

    \text{DA: } \ell(f(\rho_g x), y),\ g \sim U(G) \qquad
    \text{FA: } \ell(f^G(x), y),\ f^G(x) = \tfrac{1}{|G|} \textstyle\sum_g f(\rho_g x) \qquad
    \text{EA: } \theta_i \in E^G = \{\theta : M_g \theta = \theta\ \forall g\}

    \theta_i \leftarrow \theta_i - \varepsilon\, N \nabla_{\theta_i} \hat R_B(\Theta)
    \quad (\text{mean-field SGD}, \hat R_B = \tfrac{1}{2B} \textstyle\sum_b (f(x_b) - y_b)^2)

What we followed from the paper:

- Weakly invariant (WI) laws are ``G``-invariant laws of ``theta``; strongly invariant (SI)
  laws live on ``E^G``. Teachers are WI (a union of orbits), SI (particles in ``E^G``) or
  arbitrary. Students start iid from a WI law (a standard Gaussian, ``M_g`` is orthogonal) or
  from its SI projection ``P_{E^G} = |G|^{-1} sum_g M_g``.
- Training is the paper's SGD scheme with fresh samples from a ``G``-invariant input law
  (``x ~ N(0, I)``); every scheme sees the same samples from the same initial particles. The
  SGD noise shrinks as ``N`` grows because the batch is ``B = batch_per_unit * N`` (the
  mean-field regime needs the noise to vanish with ``N``; the paper shrinks the step instead,
  which costs the same and is slower in numpy).
- Distances between clouds are the exact quadratic Wasserstein distance between the
  empirical measures (optimal assignment), made relative to the clouds' second moments, as
  the paper's relative measure distance (RMD) is.
- The subspace heuristic (the paper's Section 5): start from an SI law on a small subspace
  ``E_0``, train freely, and if the trained cloud left ``E_j`` by more than a threshold, let
  ``E_{j+1}`` be ``E_j`` plus the principal directions of the part that left; stop when the
  cloud stays. Our ``E_0`` is the output weight alone (the network that outputs zero) and the
  threshold is one relative distance ``tol``; the paper's exact threshold rule is not copied.

Shapes: ``N`` units, ``D = d + 2`` parameters per unit ``(a, w: [d], b)``, ``B`` samples of
``d`` features, ``|G|`` group elements. Everything is numpy, float64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = [
    "GROUPS",
    "SCHEMES",
    "TEACHERS",
    "Group",
    "SubspaceSearch",
    "Teacher",
    "TrainConfig",
    "discover_subspace",
    "init_particles",
    "make_group",
    "make_teacher",
    "predict",
    "relative_distance",
    "risk",
    "subspace_escape",
    "symmetry_gap",
    "train",
    "unit_gradient",
]

Scheme = Literal["free", "da", "fa", "ea"]
TeacherKind = Literal["wi", "si", "arbitrary"]
SCHEMES: tuple[Scheme, ...] = ("free", "da", "fa", "ea")
TEACHERS: tuple[TeacherKind, ...] = ("wi", "si", "arbitrary")
GROUPS = ("c2", "c3")


@dataclass(frozen=True)
class Group:
    """A finite group acting on inputs by permutations ``rho: [|G|, d, d]``."""

    name: str
    rho: np.ndarray

    @property
    def order(self) -> int:
        """``|G|``."""
        return self.rho.shape[0]

    @property
    def dim(self) -> int:
        """Input dimension ``d``."""
        return self.rho.shape[1]

    def param_action(self) -> np.ndarray:
        """``M_g: [|G|, D, D]``, acting on ``w`` only (``a`` and ``b`` are fixed)."""
        d = self.dim
        M = np.zeros((self.order, d + 2, d + 2))
        M[:, 0, 0] = M[:, -1, -1] = 1.0
        M[:, 1:-1, 1:-1] = self.rho
        return M

    def fixed_projector(self) -> np.ndarray:
        """Orthogonal projector onto ``E^G``, ``[D, D]``: the group average of ``M_g``."""
        return self.param_action().mean(axis=0)


def make_group(name: str) -> Group:
    """``c2``: swapping two coordinates; ``c3``: cyclic shifts of three."""
    d = {"c2": 2, "c3": 3}.get(name)
    if d is None:
        raise ValueError(f"unknown group {name!r}; expected one of {GROUPS}")
    shift = np.roll(np.eye(d), 1, axis=0)
    return Group(name, np.stack([np.linalg.matrix_power(shift, k) for k in range(d)]))


def predict(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``f(x) = mean_i a_i tanh(w_i . x + b_i)``; ``theta: [N, D]``, ``x: [B, d]`` -> ``[B]``."""
    return np.tanh(x @ theta[:, 1:-1].T + theta[:, -1]) @ theta[:, 0] / len(theta)


def orbit(group: Group, x: np.ndarray) -> np.ndarray:
    """Every ``rho_g x`` stacked group-major: ``[|G| * B, d]``."""
    return np.einsum("gij,bj->gbi", group.rho, x).reshape(-1, x.shape[1])


def predict_averaged(theta: np.ndarray, x: np.ndarray, group: Group) -> np.ndarray:
    """Feature averaging ``f^G(x) = mean_g f(rho_g x)``, ``[B]``: invariant for any ``theta``."""
    return predict(theta, orbit(group, x)).reshape(group.order, -1).mean(axis=0)


def unit_gradient(theta: np.ndarray, x: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``mean_m r_m grad_theta sigma_*(x_m; theta_i)``, ``[N, D]``, for ``x: [M, d]``, ``r: [M]``.

    With ``r = f - y`` this is ``N`` times the gradient of the batch risk, the mean-field scaling
    that keeps each unit's step of order one whatever ``N``.
    """
    h = np.tanh(x @ theta[:, 1:-1].T + theta[:, -1])  # [M, N]
    back = r[:, None] * (1.0 - h**2) * theta[:, 0]  # [M, N]
    grad = np.empty_like(theta)
    grad[:, 0] = r @ h
    grad[:, 1:-1] = back.T @ x
    grad[:, -1] = back.sum(axis=0)
    return grad / len(x)


@dataclass(frozen=True)
class Teacher:
    """A teacher network ``y = f(x; theta)`` of kind ``wi``, ``si`` or ``arbitrary``."""

    kind: TeacherKind
    theta: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Labels ``[B]`` of inputs ``[B, d]``."""
        return predict(self.theta, x)


def make_teacher(kind: str, group: Group) -> Teacher:
    """Two generic units (``arbitrary``), their orbits (``wi``) or their projections (``si``).

    The ``wi`` teacher is invariant but not a function of ``E^G`` units: for ``c2`` it is
    ``tanh(2 x_1 + .5) + tanh(2 x_2 + .5) + ...``, while ``E^G`` units see only ``x_1 + x_2``.
    """
    d = group.dim
    base = np.zeros((2, d + 2))
    base[0, [0, 1, -1]] = 2.0, 2.0, 0.5
    base[1, [0, 1, 2, -1]] = -1.5, -0.5, 1.5, -0.3
    if kind == "arbitrary":
        return Teacher(kind, base)
    if kind == "wi":
        return Teacher(
            kind, np.einsum("gij,nj->gni", group.param_action(), base).reshape(-1, d + 2)
        )
    if kind == "si":
        return Teacher(kind, base @ group.fixed_projector().T)
    raise ValueError(f"unknown teacher {kind!r}; expected one of {TEACHERS}")


def init_particles(
    n: int, group: Group, law: Literal["wi", "si"], rng: np.random.Generator
) -> np.ndarray:
    """``N`` iid particles ``[N, D]``: standard Gaussian (WI) or its projection on ``E^G`` (SI)."""
    theta = rng.standard_normal((n, group.dim + 2))
    return theta @ group.fixed_projector() if law == "si" else theta


@dataclass(frozen=True)
class TrainConfig:
    """Mean-field SGD: ``steps`` steps of ``step_size``, ``batch_per_unit * N`` samples each."""

    steps: int = 300
    step_size: float = 0.5
    batch_per_unit: int = 4


def train(
    theta: np.ndarray,
    scheme: Scheme,
    teacher: Teacher,
    group: Group,
    config: TrainConfig,
    seed: int,
) -> np.ndarray:
    """Train particles ``[N, D]`` by one scheme; one ``seed`` gives every scheme the same data.

    ``ea`` trains in ``E^G`` (start and gradients projected); ``da`` draws one ``g`` per sample;
    ``fa`` differentiates through ``f^G``; ``free`` uses the samples as they come.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {SCHEMES}")
    data_rng, group_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    P = group.fixed_projector()
    theta = theta @ P if scheme == "ea" else theta.copy()
    batch = config.batch_per_unit * len(theta)
    for _ in range(config.steps):
        x = data_rng.standard_normal((batch, group.dim))
        y = teacher(x)
        if scheme == "da":
            x = np.einsum("bij,bj->bi", group.rho[group_rng.integers(group.order, size=batch)], x)
        if scheme == "fa":
            r = predict_averaged(theta, x, group) - y
            grad = unit_gradient(theta, orbit(group, x), np.tile(r, group.order))
        else:
            grad = unit_gradient(theta, x, predict(theta, x) - y)
        if scheme == "ea":
            grad = grad @ P
        theta -= config.step_size * grad
    return theta


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
    config: TrainConfig,
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
