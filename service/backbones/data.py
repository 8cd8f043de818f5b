"""Protein chains as training batches: random crops, random rotations, nanometres.

Each batch draws chains at random, crops each to a random window of ``min_length`` to
``max_length`` residues (the whole chain when it is shorter), centres it and rotates it at
random (the backbone network is not equivariant; Proteina trains it the same way). Without
the rotations (``rotate=False``) a network can memorise a chain's pose, which is what an overfit
check wants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from chem.proteins import Backbone, random_crop
from models import geometry
from models.spaces import ConfigurationSpace, PointClouds
from models.tasks.backbone import ANGSTROM_PER_NM

__all__ = ["BackboneBatch", "BackboneCrops", "backbone_data"]


@dataclass(frozen=True)
class BackboneBatch:
    """C-alpha coordinates ``x: [N, 3]`` (nm, centred), ``batch: [N]``, ``num`` chains."""

    x: Tensor
    batch: Tensor
    num: int

    def to(self, device: str) -> BackboneBatch:
        """The batch on ``device``."""
        return BackboneBatch(self.x.to(device), self.batch.to(device), self.num)


def backbone_data(batch: BackboneBatch) -> tuple[ConfigurationSpace, Tensor, Tensor]:
    """The :class:`~models.training.Trainer`'s view of a batch."""
    return PointClouds(batch.batch, batch.num), batch.x, batch.batch


class BackboneCrops:
    """Random cropped, rotated chains of a set."""

    def __init__(
        self,
        chains: list[Backbone],
        min_length: int = 32,
        max_length: int = 256,
        rotate: bool = True,
    ) -> None:
        if not chains:
            raise ValueError("no chains to train on")
        self.chains, self.min_length, self.max_length = chains, min_length, max_length
        self.rotate = rotate

    def random(self, batch_size: int, rng: np.random.Generator) -> BackboneBatch:
        """``batch_size`` crops."""
        pieces = []
        for index in rng.integers(0, len(self.chains), size=batch_size):
            chain = self.chains[int(index)]
            length = int(rng.integers(self.min_length, self.max_length + 1))
            pieces.append(random_crop(chain, length, rng).ca)
        sizes = torch.tensor([len(p) for p in pieces])
        batch = torch.repeat_interleave(torch.arange(batch_size), sizes)
        x = torch.from_numpy(np.concatenate(pieces)).float() / ANGSTROM_PER_NM
        x = geometry.center(x, batch, batch_size)
        if not self.rotate:
            return BackboneBatch(x, batch, batch_size)
        generator = torch.Generator().manual_seed(int(rng.integers(2**31)))
        rotations = geometry.random_rotations(batch_size, generator=generator)
        x = (rotations[batch] @ x.unsqueeze(-1)).squeeze(-1)
        return BackboneBatch(x, batch, batch_size)
