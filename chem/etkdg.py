"""RDKit's ETKDGv3 conformers, as its own users run it (a non-zero seed, optional MMFF94).

The baseline every conformer benchmark compares against, and the starting guesses of partial
diffusion (:mod:`service.conformers`). RDKit's seed 0 makes ``EmbedMultipleConfs`` return one
conformer repeated, so seeds are mapped to non-zero ones here, once.
"""

from __future__ import annotations

import numpy as np
from rdkit import Chem
from rdkit.Chem import AllChem

__all__ = ["MMFF_MAX_ITERS", "embed_conformers", "rdkit_seed"]

MMFF_MAX_ITERS = 2000  # enough for drug-sized molecules to converge (RDKit's default: 200)


def rdkit_seed(seed: int) -> int:
    """A non-zero RDKit seed for ``seed`` (0 would repeat one conformer K times)."""
    return seed % (2**31 - 2) + 1


def embed_conformers(
    mol: Chem.Mol, k: int, seed: int, mmff: bool = False, threads: int = 1
) -> np.ndarray | None:
    """``[K, N, 3]`` ETKDGv3 coordinates (Å) of ``mol`` (explicit H), or None if none embed.

    With ``mmff`` every conformer is minimised in MMFF94 (as far as parameters exist).
    Fewer than ``k`` rows when some embeddings fail. ``threads``: RDKit's own threads over
    the K conformers (0: every core); the result does not depend on it.
    """
    work = Chem.Mol(mol)
    params = AllChem.ETKDGv3()
    params.randomSeed = rdkit_seed(seed)
    params.numThreads = threads
    ids = list(AllChem.EmbedMultipleConfs(work, numConfs=k, params=params))
    if not ids:
        return None
    if mmff:
        AllChem.MMFFOptimizeMoleculeConfs(work, numThreads=threads, maxIters=MMFF_MAX_ITERS)
    return np.stack([work.GetConformer(i).GetPositions() for i in ids])
