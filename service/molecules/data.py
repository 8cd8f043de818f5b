"""QM9 as SMILES for the de novo graph model: the corpus, its vocabulary, random batches.

Each split's canonical heavy-atom SMILES and sizes are built once from the QM9 file and cached
as JSON under ``QSDIFF_CACHE_DIR`` (a few seconds to rebuild). Batches are drawn from one
padded token tensor with one index, without per-molecule Python work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from chem.smiles_tokens import Vocabulary, canonical_heavy_smiles, tokenize
from models.networks.smiles_lm import BOS, EOS, PAD
from models.smiles_training import SmilesBatch

__all__ = ["SmilesCorpus", "TokenBatches", "qm9_corpus"]


@dataclass(frozen=True)
class SmilesCorpus:
    """Canonical SMILES of one split and their heavy-atom counts."""

    smiles: list[str]
    sizes: np.ndarray

    def size_histogram(self) -> np.ndarray:
        """Molecules per heavy-atom count (index = count)."""
        return np.bincount(self.sizes)

    def within(self, vocabulary: Vocabulary) -> SmilesCorpus:
        """The molecules written with ``vocabulary``'s tokens alone (for a held-out split)."""
        known = set(vocabulary.tokens)
        keep = [i for i, s in enumerate(self.smiles) if set(tokenize(s)) <= known]
        return SmilesCorpus([self.smiles[i] for i in keep], self.sizes[keep])


def qm9_corpus(npz: Path, split: str, cache_dir: Path) -> SmilesCorpus:
    """Canonical SMILES of QM9's ``split`` (train or valid), cached beside other derived data."""
    cache = cache_dir / f"qm9-{split}-canonical-smiles.json"
    if cache.is_file():
        saved = json.loads(cache.read_text())
        return SmilesCorpus(saved["smiles"], np.array(saved["sizes"], dtype=np.int64))
    data = np.load(npz)
    wanted = data["split"] == {"train": 0, "valid": 1}[split]
    pairs = [
        pair
        for s in tqdm(data["smiles"][wanted], desc=f"QM9 {split} SMILES", unit="mol")
        if (pair := canonical_heavy_smiles(str(s))) is not None
    ]
    smiles, sizes = [p[0] for p in pairs], [p[1] for p in pairs]
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"smiles": smiles, "sizes": sizes}))
    return SmilesCorpus(smiles, np.array(sizes, dtype=np.int64))


class TokenBatches:
    """A corpus as one padded tensor ``[N, L + 2]`` (BOS, tokens, EOS); random batches of it."""

    def __init__(self, corpus: SmilesCorpus, vocabulary: Vocabulary) -> None:
        encoded = [[BOS, *vocabulary.encode(s), EOS] for s in corpus.smiles]
        self.lengths = torch.tensor([len(e) for e in encoded])
        self.rows = torch.full((len(encoded), int(self.lengths.max())), PAD, dtype=torch.long)
        for row, ids in zip(self.rows, encoded, strict=True):
            row[: len(ids)] = torch.tensor(ids)
        self.sizes = torch.from_numpy(corpus.sizes)

    def take(self, index: torch.Tensor) -> SmilesBatch:
        """The molecules at ``index`` as one batch, trimmed to the longest."""
        width = int(self.lengths[index].max())
        rows = self.rows[index, :width]
        return SmilesBatch(rows[:, :-1], rows[:, 1:], self.sizes[index])

    def random(self, batch_size: int, generator: torch.Generator) -> SmilesBatch:
        """``batch_size`` molecules drawn uniformly with ``generator``."""
        return self.take(torch.randint(len(self.rows), (batch_size,), generator=generator))
