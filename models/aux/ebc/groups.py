r"""Finite groups as tables of their true linear representation on the latents.

A group of order ``|G|`` acting on latents ``z: [B, D]`` is stored as ``rho: [|G|, D, D]``;
element ``i`` acts as ``z' = rho[i] z``. Products are looked up in the table, so the same code
serves the non-abelian signed permutations and the product group of the rendered shapes:

.. math::

    G_\text{latent} = \{\pm 1\}^D \rtimes S_D, \qquad
    G_\text{shapes} = R_m \times \mathbb{Z}_n \times \mathbb{Z}_n .
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

__all__ = ["FiniteGroup", "rotations_translations", "signed_permutations"]


def _key(matrix: np.ndarray) -> bytes:
    """A hashable key of one ``[D, D]`` matrix, tolerant to rounding (``+ 0.0`` drops ``-0``)."""
    return (np.round(matrix.astype(np.float64), 6) + 0.0).tobytes()


@dataclass
class FiniteGroup:
    """A finite group by its faithful representation ``rho: [|G|, D, D]``; element 0 is e."""

    name: str
    rho: np.ndarray
    _index: dict[bytes, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {_key(m): i for i, m in enumerate(self.rho)}
        if len(self._index) != len(self.rho):
            raise ValueError(f"{self.name}: the representation is not faithful")

    @property
    def order(self) -> int:
        """``|G|``."""
        return len(self.rho)

    @property
    def dim(self) -> int:
        """``D``, the latent dimension it acts on."""
        return self.rho.shape[-1]

    def sample(self, k: int, rng: np.random.Generator) -> np.ndarray:
        """``k`` uniform elements ``[k]`` (indices into ``rho``)."""
        return rng.integers(0, self.order, size=k)

    def compose(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Indices ``[k]`` of the products ``g_a g_b`` (act with ``b`` first)."""
        products = self.rho[a] @ self.rho[b]
        return np.array([self._index[_key(m)] for m in products])

    def act(self, g: np.ndarray, z: np.ndarray) -> np.ndarray:
        """``rho(g_b) z_b`` for ``g: [B]``, ``z: [B, D]``."""
        return np.einsum("bij,bj->bi", self.rho[g], z)


def signed_permutations(dim: int) -> FiniteGroup:
    """The hyperoctahedral group ``B_D`` (order ``2^D D!``), non-abelian for ``D >= 2``."""
    mats = []
    for perm in itertools.permutations(range(dim)):
        for signs in itertools.product((1.0, -1.0), repeat=dim):
            m = np.zeros((dim, dim))
            m[np.arange(dim), perm] = signs
            mats.append(m)
    mats.sort(key=lambda m: not np.array_equal(m, np.eye(dim)))  # identity first
    return FiniteGroup(f"B{dim}", np.stack(mats))


def _rotation(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


def rotations_translations(m: int, n: int) -> FiniteGroup:
    """``R_m x Z_n x Z_n`` acting on ``(cos, sin)`` of the angle and of both periodic positions.

    Order ``m n^2``; element ``(r, a, b)`` turns the first angle by ``2 pi r / m`` and shifts by
    ``(a, b) / n`` of the image, i.e. three 2x2 rotation blocks on ``z: [6]``.
    """
    mats = []
    for r, a, b in itertools.product(range(m), range(n), range(n)):
        block = np.zeros((6, 6))
        block[0:2, 0:2] = _rotation(2 * np.pi * r / m)
        block[2:4, 2:4] = _rotation(2 * np.pi * a / n)
        block[4:6, 4:6] = _rotation(2 * np.pi * b / n)
        mats.append(block)
    return FiniteGroup(f"R{m}xZ{n}xZ{n}", np.stack(mats))
