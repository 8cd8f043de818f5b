"""What ``relax`` does to sampled conformers, and what it adds to their records.

``"mmff-local"`` settles bond lengths, angles and clashes in a few MMFF94 iterations and keeps
the conformation (the default); ``"mmff"`` minimises to convergence; ``"gfn2"`` relaxes locally
in MMFF94, then minimises in GFN2-xTB with implicit water (:mod:`chem.xtb`, seconds per
conformer) and adds each conformer's ``gfn2_energy`` (kcal/mol) to its record.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from rdkit import Chem

from chem.etkdg import MMFF_MAX_ITERS
from chem.forcefield import LOCAL_RELAX_ITERS, relax_mmff
from chem.xtb import gfn2_energy, relax_gfn2

__all__ = ["Relax", "relax_conformers", "relaxation_properties"]

Relax = Literal["none", "mmff-local", "mmff", "gfn2"]
MMFF_ITERS = {"mmff": MMFF_MAX_ITERS, "mmff-local": LOCAL_RELAX_ITERS, "gfn2": LOCAL_RELAX_ITERS}
"""MMFF94 iterations of each ``relax``: to convergence, or a local relaxation that keeps the
conformation (:data:`chem.forcefield.LOCAL_RELAX_ITERS`; also GFN2's starting point)."""


def relax_conformers(mol: Chem.Mol, coords: np.ndarray, relax: Relax) -> np.ndarray:
    """One molecule's conformers ``coords: [K, N, 3]`` (Å) relaxed as ``relax`` says.

    MMFF94 runs on every core. A GFN2 minimisation that fails (its SCF does not converge)
    leaves that conformer as MMFF94 relaxed it; its record says so.
    """
    if relax == "none":
        return coords
    coords = relax_mmff(mol, coords, threads=0, max_iters=MMFF_ITERS[relax])
    if relax != "gfn2":
        return coords
    out = []
    for x in coords:
        try:
            out.append(relax_gfn2(mol, x).coords)
        except ValueError:
            out.append(x)
    return np.stack(out)


def relaxation_properties(
    mol: Chem.Mol, coords: np.ndarray, relax: Relax
) -> dict[str, str | float]:
    """Record fields the relaxation adds: the GFN2-xTB energy (kcal/mol) after ``"gfn2"``."""
    if relax != "gfn2":
        return {}
    try:
        return {"gfn2_energy": round(gfn2_energy(mol, coords), 3)}
    except ValueError as e:
        return {"gfn2_energy": str(e)}
