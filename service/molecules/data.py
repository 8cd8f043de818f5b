"""QM9 molecules as training batches for the de novo task: flat arrays, random batches.

All molecules of a split sit in a few flat tensors (centred coordinates, element indices,
offsets), so a batch is a random choice of molecules gathered with one index, with no
per-molecule Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from chem.edm_metrics import ELEMENTS
from chem.qm9_atoms import QM9Atoms
from models.spaces import AtomClouds, ConfigurationSpace
from models.tasks.molecule import FEATURE_SCALE, encode_types

__all__ = ["MoleculeBatch", "MoleculeBatches", "molecule_data"]


@dataclass(frozen=True)
class MoleculeBatch:
    """``state: [N, 3 + T]`` rows ``[x, y, z, one-hot * scale]``, ``batch: [N]``, ``num``."""

    state: Tensor
    batch: Tensor
    num: int

    def to(self, device: str) -> MoleculeBatch:
        """The batch on ``device``."""
        return MoleculeBatch(self.state.to(device), self.batch.to(device), self.num)


FEATURE_LOSS_WEIGHT = 1 / FEATURE_SCALE**2  # type errors weigh as in unscaled one-hot units


def molecule_data(batch: MoleculeBatch) -> tuple[ConfigurationSpace, Tensor, Tensor]:
    """The :class:`~models.training.Trainer`'s view of a batch."""
    space = AtomClouds(batch.batch, batch.num, feature_weight=FEATURE_LOSS_WEIGHT)
    return space, batch.state, batch.batch


class MoleculeBatches:
    """Random batches of the molecules of one split."""

    def __init__(self, molecules: QM9Atoms) -> None:
        sizes = np.array([len(t) for t in molecules.types])
        self.sizes = torch.from_numpy(sizes)
        self.offsets = torch.from_numpy(np.concatenate([[0], np.cumsum(sizes)[:-1]]))
        centred = [p - p.mean(0) for p in molecules.positions]
        positions = torch.from_numpy(np.concatenate(centred)).float()
        types = torch.from_numpy(np.concatenate(molecules.types))
        self.rows = torch.cat([positions, encode_types(types, len(ELEMENTS))], dim=1)

    def __len__(self) -> int:
        return len(self.sizes)

    def batch(self, indices: Tensor) -> MoleculeBatch:
        """The molecules ``indices`` as one batch."""
        sizes = self.sizes[indices]
        starts = torch.repeat_interleave(self.offsets[indices], sizes)
        within = torch.arange(int(sizes.sum())) - torch.repeat_interleave(
            sizes.cumsum(0) - sizes, sizes
        )
        batch = torch.repeat_interleave(torch.arange(len(indices)), sizes)
        return MoleculeBatch(self.rows[starts + within], batch, len(indices))

    def random(self, batch_size: int, generator: torch.Generator) -> MoleculeBatch:
        """``batch_size`` molecules drawn without replacement."""
        return self.batch(torch.randperm(len(self), generator=generator)[:batch_size])
