"""Generated molecules as files: bonds for the SDF, properties, and the XYZ fallback.

Bonds come from EDM's distance tables (:func:`chem.edm_metrics.build_molecule`); where the
result does not sanitize, RDKit's ``DetermineBonds`` (xyz2mol) gets a second try; a molecule
neither can sanitize is written to XYZ instead and flagged, so no sample is lost.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rdkit import Chem, rdBase
from rdkit.Chem import rdDetermineBonds

from chem.edm_metrics import (
    ELEMENTS,
    bond_orders,
    build_molecule,
    largest_fragment_smiles,
    stable_atoms,
)

__all__ = [
    "GeneratedMolecule",
    "MoleculeTexts",
    "describe",
    "molecule_texts",
    "write_molecule_files",
]


@dataclass
class GeneratedMolecule:
    """One sample: element indices, coordinates (A), its bonded molecule if any, properties."""

    types: np.ndarray
    positions: np.ndarray
    mol: Chem.Mol | None
    properties: dict[str, Any] = field(default_factory=dict)


def _sanitized(mol: Chem.Mol) -> Chem.Mol | None:
    try:
        copy = Chem.Mol(mol)
        Chem.SanitizeMol(copy)
        return copy
    except (Chem.rdchem.MolSanitizeException, ValueError, RuntimeError):
        return None


def _xyz_block(types: np.ndarray, positions: np.ndarray, title: str) -> str:
    lines = [str(len(types)), title]
    lines += [
        f"{ELEMENTS[int(t)]} {x:.5f} {y:.5f} {z:.5f}"
        for t, (x, y, z) in zip(types, positions, strict=True)
    ]
    return "\n".join(lines) + "\n"


def _determined_bonds(types: np.ndarray, positions: np.ndarray) -> Chem.Mol | None:
    try:
        mol = Chem.MolFromXYZBlock(_xyz_block(types, positions, ""))
        rdDetermineBonds.DetermineBonds(mol, charge=0)
        return _sanitized(mol)
    except (ValueError, RuntimeError):
        return None


def describe(types: np.ndarray, positions: np.ndarray, extra: dict[str, Any]) -> GeneratedMolecule:
    """Bonds, EDM's per-molecule metrics and SMILES of one sample."""
    stable = stable_atoms(types, bond_orders(types, positions))
    built = build_molecule(types, positions)
    smiles, fragments = largest_fragment_smiles(built)
    with rdBase.BlockLogs():
        mol, bonds = _sanitized(built), "edm_tables"
        if mol is None:
            mol, bonds = _determined_bonds(types, positions), "rdkit_determine_bonds"
    if mol is None:
        bonds = "none"
    properties = {
        **extra,
        "num_atoms": len(types),
        "formula": "".join(
            f"{e}{n if n > 1 else ''}"
            for e, n in zip(ELEMENTS, np.bincount(types, minlength=len(ELEMENTS)), strict=True)
            if n
        ),
        "atom_stability": round(float(stable.mean()), 4),
        "molecule_stable": bool(stable.all()),
        "valid": smiles is not None,
        "connected": smiles is not None and fragments == 1,
        "smiles": smiles or "",
        "bonds_from": bonds,
    }
    return GeneratedMolecule(types, positions, mol, properties)


@dataclass(frozen=True)
class MoleculeTexts:
    """Generated molecules as file contents: SDF (those with bonds) and XYZ (the rest)."""

    sdf: str
    xyz: str
    """Empty when every molecule has bonds."""
    in_sdf: int
    in_xyz: int


def molecule_texts(molecules: list[GeneratedMolecule]) -> MoleculeTexts:
    """SDF text of every molecule with bonds, XYZ text of the rest, and how many are in each."""
    in_xyz = [m for m in molecules if m.mol is None]
    sdf = io.StringIO()
    with Chem.SDWriter(sdf) as writer:
        for molecule in molecules:
            if molecule.mol is None:
                continue
            mol = Chem.Mol(molecule.mol)
            mol.SetProp("_Name", f"qsdiff-{molecule.properties.get('index', 0)}")
            for key, value in molecule.properties.items():
                if isinstance(value, bool):
                    mol.SetProp(key, str(value).lower())
                elif isinstance(value, int):
                    mol.SetIntProp(key, value)
                elif isinstance(value, float):
                    mol.SetDoubleProp(key, value)
                else:
                    mol.SetProp(key, str(value))
            writer.write(mol)
    xyz = "".join(
        _xyz_block(
            m.types,
            m.positions,
            f"qsdiff-{m.properties.get('index', 0)} no sanitizable bonds (flagged)",
        )
        for m in in_xyz
    )
    return MoleculeTexts(sdf.getvalue(), xyz, len(molecules) - len(in_xyz), len(in_xyz))


def write_molecule_files(
    molecules: list[GeneratedMolecule], sdf: Path, xyz: Path
) -> tuple[int, int]:
    """SDF for every molecule with bonds, XYZ for the rest; returns (in SDF, in XYZ).

    The XYZ file is only created when some molecule needs it.
    """
    texts = molecule_texts(molecules)
    sdf.parent.mkdir(parents=True, exist_ok=True)
    sdf.write_text(texts.sdf)
    if texts.xyz:
        xyz.write_text(texts.xyz)
    return texts.in_sdf, texts.in_xyz
