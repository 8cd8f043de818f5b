"""The Abelian group ``Z_{n_1} x ... x Z_{n_r}``: elements, addition, negation, characters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MAX_GROUP_ORDER", "AbelianGroup"]

MAX_GROUP_ORDER = 127
"""Largest group order handled (the paper's largest ``d``)."""


@dataclass(frozen=True)
class AbelianGroup:
    """``Z_{n_1} x ... x Z_{n_r}``; elements and frequencies share one flat index ``[d]``."""

    moduli: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.moduli or any(int(n) < 2 for n in self.moduli):
            raise ValueError(f"moduli must be integers >= 2, got {self.moduli}")
        if self.order > MAX_GROUP_ORDER:
            raise ValueError(
                f"group order {self.order} exceeds {MAX_GROUP_ORDER}; use smaller moduli"
            )

    @property
    def order(self) -> int:
        """``d = prod n_i``."""
        return int(np.prod(self.moduli))

    def elements(self) -> np.ndarray:
        """Coordinates of each element, ``[d, r]``."""
        return np.array(list(np.ndindex(*self.moduli)), dtype=np.int64).reshape(self.order, -1)

    def _flat(self, coords: np.ndarray) -> np.ndarray:
        return np.ravel_multi_index(tuple(np.moveaxis(coords, -1, 0)), self.moduli)

    def add_table(self) -> np.ndarray:
        """``x + y`` as flat indices, ``[d, d]``."""
        e = self.elements()
        return self._flat((e[:, None, :] + e[None, :, :]) % np.array(self.moduli))

    def neg(self) -> np.ndarray:
        """``-k`` as flat indices, ``[d]``."""
        return self._flat((-self.elements()) % np.array(self.moduli))

    def characters(self) -> np.ndarray:
        """``chi[k, x] = exp(2 pi i sum_i k_i x_i / n_i)``, ``[d, d]``."""
        e = self.elements() / np.array(self.moduli, dtype=float)
        return np.exp(2j * np.pi * (self.elements() @ e.T))

    def frequency_pairs(self) -> list[int]:
        """One representative ``k`` of each pair ``{k, -k}``, ``k != 0`` (``k < -k``)."""
        neg = self.neg()
        return [k for k in range(1, self.order) if k < neg[k]]
