"""MMFF94 relaxation of a benchmark's conformers, in as many processes as RDKit's baseline."""

from __future__ import annotations

import multiprocessing
from multiprocessing.pool import Pool

import numpy as np
from rdkit import Chem

from chem.conformer_checks import relax_mmff

__all__ = ["PROCESSES", "process_pool", "relax_all"]

PROCESSES = 2

Conformers = list[np.ndarray | None]  # per molecule: [K, N, 3], None when none was made


def _relax(job: tuple[str, np.ndarray]) -> np.ndarray:
    molblock, coords = job
    mol = Chem.MolFromMolBlock(molblock, removeHs=False)
    return np.stack([relax_mmff(mol, c) for c in coords])


def process_pool() -> Pool:
    """``PROCESSES`` worker processes, started once per benchmark run.

    Each start re-imports the command line in every process, which costs seconds.
    """
    return multiprocessing.get_context("spawn").Pool(PROCESSES)


def relax_all(pool: Pool, mols: list[Chem.Mol | None], conformers: Conformers) -> Conformers:
    """Every conformer minimised in MMFF94 (``mols``: explicit H), in ``pool``."""
    jobs = [
        (Chem.MolToMolBlock(m), c) for m, c in zip(mols, conformers, strict=True) if c is not None
    ]
    made = iter(pool.map(_relax, jobs, chunksize=4))
    return [None if c is None else next(made) for c in conformers]
