"""The shallow network as a particle cloud: outputs, per-unit gradients, teachers, initial laws."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from models.aux.meanfield.groups import Group, orbit

__all__ = [
    "TEACHERS",
    "Teacher",
    "init_particles",
    "make_teacher",
    "predict",
    "predict_averaged",
    "unit_gradient",
]

TeacherKind = Literal["wi", "si", "arbitrary"]
TEACHERS: tuple[TeacherKind, ...] = ("wi", "si", "arbitrary")


def predict(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``f(x) = mean_i a_i tanh(w_i . x + b_i)``; ``theta: [N, D]``, ``x: [B, d]`` -> ``[B]``."""
    return np.tanh(x @ theta[:, 1:-1].T + theta[:, -1]) @ theta[:, 0] / len(theta)


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
