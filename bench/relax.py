"""MMFF94 relaxation of a benchmark's conformers, in as many processes as RDKit's baseline."""

from __future__ import annotations

import multiprocessing
from multiprocessing.pool import Pool

import numpy as np
from rdkit import Chem

from chem.etkdg import MMFF_MAX_ITERS
from chem.forcefield import relax_mmff

__all__ = ["PROCESSES", "process_pool", "relax_all"]

PROCESSES = 2

Conformers = list[np.ndarray | None]  # per molecule: [K, N, 3], None when none was made


def _relax(job: tuple[str, np.ndarray, int]) -> np.ndarray:
    molblock, coords, max_iters = job
    mol = Chem.MolFromMolBlock(molblock, removeHs=False)
    return relax_mmff(mol, coords, max_iters=max_iters)


def process_pool() -> Pool:
    """``PROCESSES`` worker processes, started once per benchmark run.

    Each start re-imports the command line in every process, which costs seconds.
    """
    return multiprocessing.get_context("spawn").Pool(PROCESSES)


def relax_all(
    pool: Pool,
    mols: list[Chem.Mol | None],
    conformers: Conformers,
    max_iters: int = MMFF_MAX_ITERS,
) -> Conformers:
    """Every conformer minimised in MMFF94 (``mols``: explicit H), in ``pool``.

    ``max_iters``: to convergence by default; ``LOCAL_RELAX_ITERS`` for a local relaxation.
    """
    jobs = [
        (Chem.MolToMolBlock(m), c, max_iters)
        for m, c in zip(mols, conformers, strict=True)
        if c is not None
    ]
    made = iter(pool.map(_relax, jobs, chunksize=4))
    return [None if c is None else next(made) for c in conformers]
