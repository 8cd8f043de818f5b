"""Generated molecules as records and files: each one's own checks, SDF text.

A molecule is written from its generated graph (RDKit-sanitized, formal charges as generated)
with the coordinates placed for it. Its record carries both protocols' checks: the graph's
(``valid``, ``atom_stability``, ``molecule_stable``: valences of the generated bonds, as MiDi,
EQGAT-diff and SemlaFlow count them) and EDM's (``edm_*``: bonds guessed from distances alone).
A graph that did not read as a molecule has no coordinates; it stays in the manifest only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rdkit import Chem, rdBase

from chem.edm_metrics import (
    ELEMENTS,
    bond_orders,
    build_molecule,
    largest_fragment_smiles,
    stable_atoms,
)
from chem.graph_checks import stable_atom_flags
from chem.molecules import set_sdf_properties
from chem.stereo import set_coordinates

__all__ = [
    "GeneratedMolecule",
    "MoleculeTexts",
    "describe_graph_molecule",
    "failed_graph",
    "molecule_texts",
]


@dataclass
class GeneratedMolecule:
    """One sample: element indices, coordinates (A) and the molecule (None: no graph)."""

    types: np.ndarray
    positions: np.ndarray
    mol: Chem.Mol | None
    properties: dict[str, Any] = field(default_factory=dict)


def _formula(types: np.ndarray) -> str:
    counts = np.bincount(types, minlength=len(ELEMENTS))
    return "".join(f"{e}{n if n > 1 else ''}" for e, n in zip(ELEMENTS, counts, strict=True) if n)


def describe_graph_molecule(
    mol: Chem.Mol, coords: np.ndarray, extra: dict[str, Any]
) -> GeneratedMolecule:
    """The record of a generated graph ``mol`` (explicit H) placed at ``coords [N, 3]``."""
    types = np.array([ELEMENTS.index(a.GetSymbol()) for a in mol.GetAtoms()])
    placed = set_coordinates(mol, coords)
    with rdBase.BlockLogs():
        Chem.AssignStereochemistryFrom3D(placed)
    stable = stable_atom_flags(placed)
    edm_stable = stable_atoms(types, bond_orders(types, coords))
    edm_smiles, _ = largest_fragment_smiles(build_molecule(types, coords))
    properties = {
        **extra,
        "smiles": Chem.MolToSmiles(Chem.RemoveHs(placed)),
        "formula": _formula(types),
        "num_atoms": len(types),
        "num_heavy_atoms": placed.GetNumHeavyAtoms(),
        "valid": True,
        "atom_stability": round(sum(stable) / len(stable), 4),
        "molecule_stable": all(stable),
        "edm_atom_stability": round(float(edm_stable.mean()), 4),
        "edm_molecule_stable": bool(edm_stable.all()),
        "edm_valid": edm_smiles is not None,
    }
    return GeneratedMolecule(types, np.asarray(coords), placed, properties)


def failed_graph(extra: dict[str, Any]) -> GeneratedMolecule:
    """The record of a sample whose graph did not read as a molecule (no coordinates)."""
    properties = {
        **extra,
        "valid": False,
        "atom_stability": 0.0,
        "molecule_stable": False,
        "edm_atom_stability": 0.0,
        "edm_molecule_stable": False,
        "edm_valid": False,
    }
    return GeneratedMolecule(np.zeros(0, dtype=int), np.zeros((0, 3)), None, properties)


@dataclass(frozen=True)
class MoleculeTexts:
    """Generated molecules as SDF text, and how many are in it / were not molecules."""

    sdf: str
    in_sdf: int
    failed: int


def molecule_texts(molecules: list[GeneratedMolecule]) -> MoleculeTexts:
    """SDF text of every molecule that has a graph, each record with its properties."""
    sdf = io.StringIO()
    written = 0
    with Chem.SDWriter(sdf) as writer:
        for molecule in molecules:
            if molecule.mol is None:
                continue
            mol = Chem.Mol(molecule.mol)
            mol.SetProp("_Name", f"qsdiff-{molecule.properties.get('index', 0)}")
            set_sdf_properties(mol, molecule.properties)
            writer.write(mol)
            written += 1
    return MoleculeTexts(sdf.getvalue(), written, len(molecules) - written)
