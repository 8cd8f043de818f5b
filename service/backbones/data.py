"""Protein chains as training batches: random crops, random rotations, nanometres, P-SEA letters.

Each batch draws chains at random, crops each to a random window of ``min_length`` to
``max_length`` residues (the whole chain when it is shorter), centres it and rotates it at
random (the backbone network is not equivariant; Proteina trains it the same way). Without
the rotations (``rotate=False``) a network can memorise a chain's pose, which is what an overfit
check wants. Each crop carries its residues' P-SEA secondary structure (computed on the whole
chain, cached under ``QSDIFF_CACHE_DIR``), which a secondary-structure-conditioned network
reads.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from tqdm import tqdm

from chem.proteins import Backbone
from chem.secondary_structure import SS_LETTERS, psea
from models import geometry
from models.networks.backbone_net import Chains
from models.spaces import ConfigurationSpace, PointClouds
from models.tasks.backbone import ANGSTROM_PER_NM

__all__ = [
    "BackboneBatch",
    "BackboneCrops",
    "backbone_data",
    "chain_secondary_structure",
    "is_validation_chain",
    "ss_classes",
]

VALIDATION_SHARE = 20
"""One chain in this many (by a hash of its id) is held out for validation. The large set is
de-duplicated at 40 % sequence identity (data README), so every chain is its own sequence
cluster and a held-out chain has no close relative in training."""


def ss_classes(letters: str) -> Tensor:
    """``H``/``E``/``L`` letters -> classes 0/1/2 (those of the network's ``Chains.ss``)."""
    return torch.tensor([SS_LETTERS.index(letter) for letter in letters], dtype=torch.long)


def is_validation_chain(name: str) -> bool:
    """Whether chain ``name`` belongs to the held-out validation split (stable across runs)."""
    return zlib.crc32(name.encode()) % VALIDATION_SHARE == 0


def chain_secondary_structure(chains: list[Backbone], cache_dir: Path | None) -> list[str]:
    """P-SEA letters of every chain, read from ``cache_dir`` when computed before.

    The cache file is named by a hash of the chains' names and C-alphas, so another set or an
    edited file gets its own (a thousand chains take about a minute on one core).
    """
    digest = hashlib.sha1()
    for chain in chains:
        digest.update(chain.name.encode())
        digest.update(np.ascontiguousarray(chain.ca, dtype=np.float32).tobytes())
    cache = (
        None if cache_dir is None else cache_dir / "backbones" / f"psea-{digest.hexdigest()}.json"
    )
    if cache is not None and cache.is_file():
        return json.loads(cache.read_text())
    letters = [psea(chain.ca) for chain in tqdm(chains, "P-SEA", unit="chain", disable=None)]
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(cache.name + ".partial")
        partial.write_text(json.dumps(letters))
        partial.replace(cache)
    return letters


@dataclass(frozen=True)
class BackboneBatch:
    """C-alpha coordinates ``x: [N, 3]`` (nm, centred), ``batch: [N]``, ``num`` chains.

    ``ss: [N]`` the residues' secondary-structure classes, None where the chains have none.
    """

    x: Tensor
    batch: Tensor
    num: int
    ss: Tensor | None = None

    def to(self, device: str) -> BackboneBatch:
        """The batch on ``device``."""
        ss = None if self.ss is None else self.ss.to(device)
        return BackboneBatch(self.x.to(device), self.batch.to(device), self.num, ss)


def backbone_data(batch: BackboneBatch) -> tuple[ConfigurationSpace, Tensor, Chains]:
    """The :class:`~models.training.Trainer`'s view of a batch."""
    return PointClouds(batch.batch, batch.num), batch.x, Chains(batch.batch, batch.ss)


class BackboneCrops:
    """Random cropped, rotated chains of a set, with their P-SEA letters when ``ss`` is given."""

    def __init__(
        self,
        chains: list[Backbone],
        min_length: int = 32,
        max_length: int = 256,
        rotate: bool = True,
        ss: list[str] | None = None,
    ) -> None:
        if not chains:
            raise ValueError("no chains to train on")
        if ss is not None and [len(s) for s in ss] != [len(c) for c in chains]:
            raise ValueError("one secondary-structure string per chain, as long as the chain")
        self.chains, self.min_length, self.max_length = chains, min_length, max_length
        self.rotate, self.ss = rotate, ss

    def random(self, batch_size: int, rng: np.random.Generator) -> BackboneBatch:
        """``batch_size`` crops."""
        pieces, letters = [], []
        for index in rng.integers(0, len(self.chains), size=batch_size):
            chain = self.chains[int(index)]
            length = min(int(rng.integers(self.min_length, self.max_length + 1)), len(chain))
            start = int(rng.integers(0, len(chain) - length + 1))
            pieces.append(chain.ca[start : start + length])
            if self.ss is not None:
                letters.append(self.ss[int(index)][start : start + length])
        sizes = torch.tensor([len(p) for p in pieces])
        batch = torch.repeat_interleave(torch.arange(batch_size), sizes)
        ss = ss_classes("".join(letters)) if self.ss is not None else None
        x = torch.from_numpy(np.concatenate(pieces)).float() / ANGSTROM_PER_NM
        x = geometry.center(x, batch, batch_size)
        if not self.rotate:
            return BackboneBatch(x, batch, batch_size, ss)
        generator = torch.Generator().manual_seed(int(rng.integers(2**31)))
        rotations = geometry.random_rotations(batch_size, generator=generator)
        x = (rotations[batch] @ x.unsqueeze(-1)).squeeze(-1)
        return BackboneBatch(x, batch, batch_size, ss)
