"""QM9 as element types and coordinates: the data of de novo generation and of EDM's checks.

Types index :data:`chem.edm_metrics.ELEMENTS` (H, C, N, O, F). The npz layout is described in
``../shared/data/qm9/README.md``; it is read once into memory (indexing an ``NpzFile``
decompresses the array again on every access).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chem.edm_metrics import ELEMENTS

__all__ = ["ATOMIC_NUMBERS", "QM9Atoms", "load_qm9_atoms"]

ATOMIC_NUMBERS = (1, 6, 7, 8, 9)  # of ELEMENTS
_TYPE_OF_Z = np.full(10, -1)
_TYPE_OF_Z[list(ATOMIC_NUMBERS)] = np.arange(len(ELEMENTS))


@dataclass(frozen=True)
class QM9Atoms:
    """Molecules of one split: ``types[k]`` ``[n_k]`` and ``positions[k]`` ``[n_k, 3]`` (A)."""

    types: list[np.ndarray]
    positions: list[np.ndarray]
    smiles: list[str]

    def __len__(self) -> int:
        return len(self.types)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        return iter(zip(self.types, self.positions, strict=True))

    def size_histogram(self) -> np.ndarray:
        """How many molecules have each number of atoms (index = atom count)."""
        return np.bincount([len(t) for t in self.types])


def load_qm9_atoms(npz: Path, split: str | None = None) -> QM9Atoms:
    """Molecules of ``split`` (``train``, ``valid``; None: every row of the file)."""
    data = dict(np.load(npz))
    rows = np.arange(len(data["num_atoms"]))
    if split is not None:
        codes = {"train": 0, "valid": 1}
        if split not in codes:
            raise ValueError(f"unknown split {split!r}; choose one of {sorted(codes)}")
        rows = rows[data["split"] == codes[split]]
    types, positions = [], []
    for k in rows:
        n = int(data["num_atoms"][k])
        types.append(_TYPE_OF_Z[data["charges"][k, :n]])
        positions.append(data["positions"][k, :n].astype(np.float64))
    return QM9Atoms(types, positions, [str(s) for s in data["smiles"][rows]])
