"""The finite groups: ``c2`` and ``c3`` permuting the inputs, and ``M_g`` on a unit's ``w``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["GROUPS", "Group", "make_group", "orbit"]

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


def orbit(group: Group, x: np.ndarray) -> np.ndarray:
    """Every ``rho_g x`` stacked group-major: ``[|G| * B, d]``."""
    return np.einsum("gij,bj->gbi", group.rho, x).reshape(-1, x.shape[1])
