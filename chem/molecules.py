"""Molecules in and out: SMILES/.smi/.sdf inputs, prepared graphs, multi-record SDF output.

Failure policy: every input record becomes an :class:`InputMolecule`; one that cannot be used
carries its ``error`` (what is wrong, for that record alone) instead of a molecule, so a batch
always runs for the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rdkit import Chem, rdBase

from chem.featurize import MAX_ATOMS, FeaturizationError, MolGraph, featurize
from chem.stereo import set_coordinates

__all__ = [
    "MAX_SMILES_LENGTH",
    "ConformerRecord",
    "InputMolecule",
    "conformer_mol",
    "prepare_molecule",
    "read_inputs",
    "read_smiles",
    "set_sdf_properties",
    "write_sdf",
]


MAX_SMILES_LENGTH = 2_000
"""Characters; far above any molecule of ``MAX_ATOMS`` atoms, and checked before RDKit parses
(RDKit's writer overflows its stack on a chain of thousands of atoms)."""


@dataclass
class InputMolecule:
    """One input record: a prepared molecule and its graph, or the reason it cannot be used."""

    index: int
    name: str
    smiles: str
    mol: Chem.Mol | None = None
    graph: MolGraph | None = None
    error: str | None = None


@dataclass
class ConformerRecord:
    """One generated conformer and the properties written with it."""

    mol: Chem.Mol  # the input molecule (explicit H)
    coords: np.ndarray  # [N, 3] Å
    properties: dict[str, str | int | float] = field(default_factory=dict)


def prepare_molecule(mol: Chem.Mol, *, stereo_from_3d: bool = False) -> Chem.Mol:
    """``mol`` with explicit hydrogens and CIP labels for its specified stereo.

    Unspecified stereocentres stay unspecified: the sampler then picks either configuration.
    """
    mol = Chem.AddHs(mol, addCoords=stereo_from_3d)
    if stereo_from_3d and mol.GetNumConformers():
        Chem.AssignStereochemistryFrom3D(mol)
    else:
        Chem.AssignStereochemistry(mol, cleanIt=True, force=True)
    return mol


def _from_mol(
    index: int, name: str, mol: Chem.Mol | None, source: str, from_3d: bool
) -> InputMolecule:
    if mol is None:
        return InputMolecule(index, name, source, error=f"RDKit could not parse {source!r}")
    atoms = sum(1 + atom.GetTotalNumHs() for atom in mol.GetAtoms())
    if atoms > MAX_ATOMS:  # before any other RDKit call on it
        return InputMolecule(
            index,
            name,
            source[:80],
            error=f"{atoms} atoms (hydrogens included); the limit is {MAX_ATOMS}",
        )
    smiles = Chem.MolToSmiles(mol)
    try:
        prepared = prepare_molecule(mol, stereo_from_3d=from_3d)
        return InputMolecule(index, name, smiles, prepared, featurize(prepared))
    except FeaturizationError as e:
        return InputMolecule(index, name, smiles, error=str(e))


def _smiles_lines(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    for line_number, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        yield parts[0], parts[1] if len(parts) > 1 else f"line{line_number}"


def _sdf_records(path: Path) -> list[InputMolecule]:
    """One :class:`InputMolecule` per record of an SDF file (none for an empty file)."""
    if path.stat().st_size == 0:  # RDKit refuses an empty file
        return []
    out = []
    for i, mol in enumerate(Chem.SDMolSupplier(str(path), removeHs=False)):
        name = mol.GetProp("_Name") if mol is not None and mol.HasProp("_Name") else ""
        has_3d = mol is not None and mol.GetNumConformers() and mol.GetConformer().Is3D()
        out.append(_from_mol(i, name or f"record{i + 1}", mol, f"SDF record {i + 1}", bool(has_3d)))
    return out


def read_inputs(source: str) -> list[InputMolecule]:
    """Inputs from a SMILES string, a ``.smi`` file (``SMILES [name]`` a line) or an ``.sdf``.

    SDF records with 3-D coordinates give their stereo from the coordinates. A file without a
    single record is a ``ValueError``, so that an empty input is not mistaken for a done run.
    """
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix not in (".smi", ".sdf", ".txt"):
        return read_smiles([source])
    if not path.is_file():
        raise FileNotFoundError(f"no input file at {path}")
    if suffix == ".sdf":
        out = _sdf_records(path)
    else:
        pairs = list(_smiles_lines(path.read_text().splitlines()))
        out = read_smiles([s for s, _ in pairs], [n for _, n in pairs])
    if not out:
        raise ValueError(f"{path} holds no molecules")
    return out


def read_smiles(smiles: list[str], names: list[str] | None = None) -> list[InputMolecule]:
    """One :class:`InputMolecule` per SMILES (named ``mol1``, ``mol2``, ... unless ``names``)."""
    names = names or [f"mol{i + 1}" for i in range(len(smiles))]
    with rdBase.BlockLogs():  # the error is reported per record instead
        return [
            _from_smiles(i, name, text)
            for i, (text, name) in enumerate(zip(smiles, names, strict=True))
        ]


def _from_smiles(index: int, name: str, text: str) -> InputMolecule:
    """Bounded and checked as text before RDKit sees it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return InputMolecule(index, name, ascii(text)[:80], error="the SMILES is not valid text")
    if len(text) > MAX_SMILES_LENGTH:
        return InputMolecule(
            index,
            name,
            text[:80],
            error=f"SMILES of {len(text)} characters; the limit is {MAX_SMILES_LENGTH}",
        )
    return _from_mol(index, name, Chem.MolFromSmiles(text), text, False)


def set_sdf_properties(mol: Chem.Mol, properties: dict[str, Any]) -> None:
    """Write ``properties`` onto ``mol`` as typed SDF fields (booleans as true / false)."""
    for key, value in properties.items():
        if isinstance(value, bool):
            mol.SetProp(key, str(value).lower())
        elif isinstance(value, int):
            mol.SetIntProp(key, value)
        elif isinstance(value, float):
            mol.SetDoubleProp(key, value)
        else:
            mol.SetProp(key, str(value))


def conformer_mol(record: ConformerRecord) -> Chem.Mol:
    """The record's molecule with its coordinates, name and properties, ready for SDF."""
    mol = set_coordinates(record.mol, record.coords)
    set_sdf_properties(mol, record.properties)
    if "name" in record.properties:
        mol.SetProp("_Name", str(record.properties["name"]))
    return mol


def write_sdf(records: Iterable[ConformerRecord], path: Path) -> int:
    """Write every record as one SDF entry with its properties; returns how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with Chem.SDWriter(str(path)) as writer:
        for record in records:
            writer.write(conformer_mol(record))
            count += 1
    return count
