"""Sanity checks of generated coordinates against the input molecule."""

from __future__ import annotations

import numpy as np
from rdkit import Chem
from rdkit.Chem import rdDetermineBonds

from chem.stereo import set_coordinates

__all__ = ["graph_recovered"]


def _bond_set(mol: Chem.Mol) -> set[tuple[int, int]]:
    return {tuple(sorted((b.GetBeginAtomIdx(), b.GetEndAtomIdx()))) for b in mol.GetBonds()}


def graph_recovered(mol: Chem.Mol, coords: np.ndarray) -> bool:
    """True when the bonds perceived from ``coords: [N, 3]`` (Å, covalent radii) are ``mol``'s."""
    placed = Chem.RWMol(set_coordinates(mol, coords))
    for bond in list(placed.GetBonds()):
        placed.RemoveBond(bond.GetBeginAtomIdx(), bond.GetEndAtomIdx())
    try:
        rdDetermineBonds.DetermineConnectivity(placed)
    except ValueError:
        return False
    return _bond_set(placed) == _bond_set(mol)
