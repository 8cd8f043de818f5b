"""Stereo labels from 3-D coordinates, agreement with an input, and the mirror-image fix.

The conformer network is E(3)-equivariant: it sees stereo only as invariant labels, so it
learns every relative configuration but cannot tell a conformer from its mirror image. After
sampling, :func:`match_reflection` keeps whichever of the two agrees with more of the input's
tetrahedral labels. This is the documented reflection fix; ``qsdiff bench conformers`` measures
the stereo agreement it reaches.
"""

from __future__ import annotations

import numpy as np
from rdkit import Chem
from rdkit.Geometry import Point3D

__all__ = [
    "labels_from_coordinates",
    "match_reflection",
    "set_coordinates",
    "stereo_agreement",
    "stereo_labels",
]


def set_coordinates(mol: Chem.Mol, coords: np.ndarray) -> Chem.Mol:
    """A copy of ``mol`` with one conformer at ``coords: [N, 3]`` (Å)."""
    out = Chem.Mol(mol)
    out.RemoveAllConformers()
    conf = Chem.Conformer(out.GetNumAtoms())
    for i, (x, y, z) in enumerate(np.asarray(coords, dtype=np.float64)):
        conf.SetAtomPosition(i, Point3D(float(x), float(y), float(z)))
    conf.Set3D(True)
    out.AddConformer(conf, assignId=True)
    return out


def stereo_labels(mol: Chem.Mol) -> dict[tuple[str, int], str]:
    """CIP labels of ``mol`` as assigned: ``("atom", i) -> "R"|"S"``, ``("bond", i) -> "E"|"Z"``.

    Only specified stereo elements appear.
    """
    labels: dict[tuple[str, int], str] = {}
    for atom in mol.GetAtoms():
        if atom.HasProp("_CIPCode"):
            labels["atom", atom.GetIdx()] = atom.GetProp("_CIPCode")
    for bond in mol.GetBonds():
        stereo = bond.GetStereo()
        if stereo in (Chem.BondStereo.STEREOE, Chem.BondStereo.STEREOZ):
            labels["bond", bond.GetIdx()] = "E" if stereo == Chem.BondStereo.STEREOE else "Z"
    return labels


def labels_from_coordinates(mol: Chem.Mol, coords: np.ndarray) -> dict[tuple[str, int], str]:
    """The stereo labels that ``coords: [N, 3]`` realise for ``mol``'s graph."""
    placed = set_coordinates(mol, coords)
    for atom in placed.GetAtoms():
        atom.SetChiralTag(Chem.ChiralType.CHI_UNSPECIFIED)
        if atom.HasProp("_CIPCode"):
            atom.ClearProp("_CIPCode")
    for bond in placed.GetBonds():
        if bond.GetBondType() == Chem.BondType.DOUBLE:
            bond.SetStereo(Chem.BondStereo.STEREONONE)
    Chem.AssignStereochemistryFrom3D(placed)
    return stereo_labels(placed)


def stereo_agreement(wanted: dict[tuple[str, int], str], found: dict[tuple[str, int], str]) -> int:
    """How many of the ``wanted`` labels ``found`` reproduces."""
    return sum(found.get(key) == label for key, label in wanted.items())


def match_reflection(mol: Chem.Mol, coords: np.ndarray) -> tuple[np.ndarray, int]:
    """``coords`` or its mirror image, whichever reproduces more of ``mol``'s stereo labels.

    Returns the chosen ``[N, 3]`` coordinates and how many labels they reproduce (out of
    ``len(stereo_labels(mol))``). Ties keep ``coords`` as they are.
    """
    wanted = stereo_labels(mol)
    if not wanted:
        return coords, 0
    kept = stereo_agreement(wanted, labels_from_coordinates(mol, coords))
    if kept == len(wanted):
        return coords, kept
    mirrored = coords * np.array([1.0, 1.0, -1.0])
    flipped = stereo_agreement(wanted, labels_from_coordinates(mol, mirrored))
    return (mirrored, flipped) if flipped > kept else (coords, kept)
