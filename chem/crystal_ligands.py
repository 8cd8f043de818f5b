"""Crystal ligands as conformer references: the Platinum SDF files (``../shared/data/druglike``).

The records set the V2000 hydrogen-count field on every atom, which RDKit reads as atom
queries (substructure matching against a plain molecule then fails), so every atom is replaced
by a plain one carrying the same element, charge and aromaticity; the record's hydrogens are
explicit. The generator's input is the isomeric SMILES of the heavy-atom ligand, stereo taken
from the crystal coordinates; the crystal coordinates are never an input.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdkit import Chem, RDLogger
from rdkit.Chem import rdMolDescriptors

__all__ = ["CrystalLigand", "read_crystal_ligands"]


@dataclass(frozen=True)
class CrystalLigand:
    """One ligand: its name, the input SMILES and the crystal pose (heavy atoms, and all)."""

    name: str
    smiles: str
    reference: Chem.Mol  # heavy atoms, plain atoms, one 3-D conformer
    with_hydrogens: Chem.Mol  # the same with the record's explicit hydrogens, stereo from 3-D

    @property
    def rotatable_bonds(self) -> int:
        """RDKit's strict count."""
        return rdMolDescriptors.CalcNumRotatableBonds(self.reference)


def _plain(mol: Chem.Mol) -> Chem.Mol:
    """``mol`` with every query atom replaced by a plain atom of the same element and charge."""
    rw = Chem.RWMol(mol)
    for atom in mol.GetAtoms():
        plain = Chem.Atom(atom.GetAtomicNum())
        plain.SetFormalCharge(atom.GetFormalCharge())
        plain.SetIsAromatic(atom.GetIsAromatic())
        plain.SetNoImplicit(True)  # the record's hydrogens are explicit atoms
        rw.ReplaceAtom(atom.GetIdx(), plain, preserveProps=True)
    out = rw.GetMol()
    Chem.SanitizeMol(out)
    return out


def read_crystal_ligands(path: Path) -> Iterator[CrystalLigand]:
    """Every readable record of an ``.sdf`` or ``.sdf.gz`` file (the first fragment of each)."""
    RDLogger.DisableLog("rdApp.*")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        for mol in Chem.ForwardSDMolSupplier(handle, removeHs=False, sanitize=False):
            if mol is None:
                continue
            name = mol.GetProp("_Name") if mol.HasProp("_Name") else ""
            plain = Chem.GetMolFrags(_plain(mol), asMols=True)[0]
            Chem.AssignStereochemistryFrom3D(plain)
            heavy = Chem.RemoveHs(plain)
            Chem.AssignStereochemistryFrom3D(heavy)
            yield CrystalLigand(name, Chem.MolToSmiles(heavy), heavy, plain)
