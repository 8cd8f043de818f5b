"""The finite groups and their actions: C4 and D4 on images, the cube's rotations on molecules."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

__all__ = ["GROUPS", "FiniteGroup", "cube_rotations", "cyclic4", "dihedral4"]


@dataclass(frozen=True)
class FiniteGroup:
    """A finite group by its action: ``act(x, k)`` applies element ``k`` (0 = identity)."""

    name: str
    element_names: tuple[str, ...]
    act: Callable[[Tensor, int], Tensor]

    @property
    def order(self) -> int:
        """``|G|``."""
        return len(self.element_names)

    def orbit(self, x: Tensor) -> Tensor:
        """``[G, B, ...]``: every ``g x`` of the batch ``x: [B, ...]``."""
        return torch.stack([self.act(x, k) for k in range(self.order)])

    def table(self, probe: Tensor) -> np.ndarray:
        """``[G, G]`` Cayley table, ``table[a, b] = c`` with ``a(b(x)) = c(x)``, read off a probe.

        Raises ``ValueError`` when the action is not closed (a bug in the group's definition).
        """
        images = self.orbit(probe)
        table = np.empty((self.order, self.order), dtype=np.int64)
        for a, b in itertools.product(range(self.order), repeat=2):
            hits = (images == self.act(images[b], a)).flatten(1).all(1).nonzero()
            if len(hits) != 1:
                raise ValueError(f"{self.name}: element {a} after {b} is not one element")
            table[a, b] = int(hits[0])
        return table


def _image_act(x: Tensor, k: int) -> Tensor:
    """Element ``k = 4 f + r`` of D4 on ``x: [B, H, W]``: mirror if ``f``, then rotate ``90° r``."""
    f, r = divmod(k, 4)
    return torch.rot90(x.flip(-1) if f else x, r, dims=(-2, -1))


def cyclic4() -> FiniteGroup:
    """C4: rotations of square images by multiples of 90° (exact pixel permutations)."""
    return FiniteGroup("c4", ("e", "r90", "r180", "r270"), _image_act)


def dihedral4() -> FiniteGroup:
    """D4: C4 and the four reflections (``m`` mirrors columns first), the square's symmetries."""
    names = ("e", "r90", "r180", "r270", "m", "m r90", "m r180", "m r270")
    return FiniteGroup("d4", names, _image_act)


def _cube_matrices() -> Tensor:
    """``[24, 3, 3]`` signed permutation matrices of determinant +1, the identity first."""
    mats = []
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((1.0, -1.0), repeat=3):
            mat = torch.zeros(3, 3)
            mat[range(3), perm] = torch.tensor(signs)
            if torch.linalg.det(mat) > 0:
                mats.append(mat)
    return torch.stack(mats)


def cube_rotations() -> FiniteGroup:
    """O: the 24 rotations of the cube acting on the coordinates of rows ``[B, N, 3 + T]``.

    Each is a signed permutation of x, y, z, applied by indexing, so ``g(h x) = (gh) x``
    holds bit for bit.
    """
    mats = _cube_matrices()
    perms = mats.abs().argmax(-1)
    signs = mats.sum(-1)

    def act(x: Tensor, k: int) -> Tensor:
        pos = x[..., :3][..., perms[k]] * signs[k].to(x.dtype)
        return torch.cat([pos, x[..., 3:]], dim=-1)

    return FiniteGroup("o", tuple(_axes_name(m) for m in mats.tolist()), act)


def _axes_name(mat: list[list[float]]) -> str:
    """``"+y-x+z"``: the new x, y, z as signed old axes (``"+x+y+z"`` is the identity)."""
    return "".join(
        f"{'+' if v > 0 else '-'}{'xyz'[i]}" for row in mat for i, v in enumerate(row) if v
    )


GROUPS: dict[str, Callable[[], FiniteGroup]] = {"c4": cyclic4, "d4": dihedral4, "o": cube_rotations}
