"""Checks of a molecular graph as generated (the MiDi / EQGAT-diff / SemlaFlow protocol).

An atom is stable when its valence (bond orders plus hydrogens) is one its element allows at its
formal charge and it has no unpaired electron; a molecule is stable when all its atoms are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdkit import Chem

__all__ = ["ALLOWED_VALENCES", "GraphMetrics", "graph_protocol", "stable_atom_flags"]

ALLOWED_VALENCES: dict[tuple[str, int], tuple[int, ...]] = {
    ("H", 0): (1,),
    ("C", 0): (4,),
    ("C", 1): (3,),
    ("C", -1): (3,),
    ("N", 0): (3,),
    ("N", 1): (4,),
    ("N", -1): (2,),
    ("O", 0): (2,),
    ("O", 1): (3,),
    ("O", -1): (1,),
    ("F", 0): (1,),
    ("S", 0): (2, 4, 6),
    ("S", 1): (3,),
    ("S", -1): (1,),
    ("P", 0): (3, 5),
    ("P", 1): (4,),
    ("Cl", 0): (1,),
    ("Br", 0): (1,),
    ("I", 0): (1,),
}
"""Valences each (element, formal charge) may have; anything else is unstable."""


def stable_atom_flags(mol: Chem.Mol) -> list[bool]:
    """Per atom of a sanitized ``mol`` (hydrogens implicit or explicit): is it stable."""
    return [
        atom.GetNumRadicalElectrons() == 0
        and atom.GetTotalValence()
        in ALLOWED_VALENCES.get((atom.GetSymbol(), atom.GetFormalCharge()), ())
        for atom in mol.GetAtoms()
    ]


@dataclass(frozen=True)
class GraphMetrics:
    """The generated-graph protocol's table (fractions in [0, 1]).

    ``atom_stability`` counts the atoms (hydrogens included) of the samples that read as
    molecules; a sample that does not has no atoms to count, and is neither stable nor valid.
    """

    num_molecules: int
    atom_stability: float
    molecule_stability: float
    validity: float
    uniqueness: float
    novelty: float | None

    @property
    def valid_and_unique(self) -> float:
        """V x U."""
        return self.validity * self.uniqueness

    def table(self) -> dict[str, float | None]:
        """Rounded, with V x U, as benchmarks print it."""
        return {
            "atom_stability": round(self.atom_stability, 4),
            "molecule_stability": round(self.molecule_stability, 4),
            "validity": round(self.validity, 4),
            "uniqueness": round(self.uniqueness, 4),
            "valid_and_unique": round(self.valid_and_unique, 4),
            "novelty": None if self.novelty is None else round(self.novelty, 4),
        }


def graph_protocol(
    molecules: Sequence[Chem.Mol | None], known: set[str] | None = None
) -> GraphMetrics:
    """Stability, validity, uniqueness and novelty of generated graphs (None: not a molecule).

    Uniqueness and novelty compare stereo-free canonical SMILES; novelty against ``known``
    (the training molecules' canonical SMILES, written the same way).
    """
    atoms = stable_count = stable_molecules = 0
    unique: set[str] = set()
    valid = 0
    for mol in molecules:
        if mol is None:
            continue
        valid += 1
        flags = stable_atom_flags(Chem.AddHs(mol))
        atoms += len(flags)
        stable_count += sum(flags)
        stable_molecules += all(flags)
        unique.add(Chem.MolToSmiles(Chem.RemoveHs(mol), isomericSmiles=False))
    n = max(len(molecules), 1)
    return GraphMetrics(
        num_molecules=len(molecules),
        atom_stability=stable_count / max(atoms, 1),
        molecule_stability=stable_molecules / n,
        validity=valid / n,
        uniqueness=len(unique) / max(valid, 1),
        novelty=None if known is None else len(unique - known) / max(len(unique), 1),
    )
