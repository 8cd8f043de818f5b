"""Molecular graphs from the SMILES model: molecule ``i`` of seed ``s`` drawn from ``(s, i)``.

Used by training's validation, the service's generator and the benchmark alike, so that all
three read the same molecules from the same seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from rdkit import Chem, rdBase

from chem.smiles_tokens import Vocabulary
from models.networks.smiles_lm import SmilesLM, gumbel_noise
from service.packing import unit_generator

__all__ = ["GraphDraw", "draw_graphs", "draw_sizes", "read_smiles"]


@dataclass(frozen=True)
class GraphDraw:
    """One sampled SMILES, the heavy-atom count asked for, and the molecule it reads as."""

    smiles: str
    size: int
    mol: Chem.Mol | None

    @property
    def size_kept(self) -> bool:
        """Did the model write as many heavy atoms as were asked for."""
        return self.mol is not None and self.mol.GetNumHeavyAtoms() == self.size


def read_smiles(smiles: str) -> Chem.Mol | None:
    """The sanitized molecule ``smiles`` writes, or None (RDKit's complaint silenced)."""
    if not smiles:
        return None
    with rdBase.BlockLogs():
        return Chem.MolFromSmiles(smiles)


def draw_sizes(histogram: np.ndarray, count: int, seed: int) -> list[int]:
    """``count`` heavy-atom counts drawn from ``histogram`` with ``seed``."""
    rng = np.random.default_rng(seed)
    return rng.choice(len(histogram), size=count, p=histogram / histogram.sum()).tolist()


@torch.no_grad()
def draw_graphs(
    net: SmilesLM,
    vocabulary: Vocabulary,
    sizes: Sequence[int],
    seed: int,
    indices: Sequence[int],
    *,
    temperature: float = 1.0,
    attempt: int = 0,
) -> list[GraphDraw]:
    """One SMILES per ``(size, index)``; ``attempt`` k > 0 draws a molecule's k-th retry."""
    config = net.config
    noise = [
        gumbel_noise(unit_generator(seed, index, attempt), config.max_tokens, config.vocab_size)
        for index in indices
    ]
    device = next(net.parameters()).device
    net.eval()
    ids = net.sample(
        torch.tensor(list(sizes), device=device), torch.stack(noise).to(device), temperature
    )
    smiles = [vocabulary.decode(i) for i in ids]
    return [GraphDraw(s, n, read_smiles(s)) for s, n in zip(smiles, sizes, strict=True)]
