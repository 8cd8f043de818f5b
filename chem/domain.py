"""What a conformer model was trained on, and whether a molecule lies inside it.

A model asked about a molecule unlike its training data still answers, with no warning in the
coordinates; every conformer therefore carries ``in_domain`` and, when it is False, the
reasons (``domain_notes``). The checks are coarse on purpose: elements, formal charges, size,
flexibility and ring systems (largest ring, rings fused in one system), each against the range
the training set covered.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from rdkit import Chem
from rdkit.Chem import rdMolDescriptors

__all__ = ["DRUGLIKE_DOMAIN", "QM9_DOMAIN", "Domain", "domain_notes"]


@dataclass(frozen=True)
class Domain:
    """The training set's range (atoms counted with hydrogens)."""

    elements: tuple[str, ...]
    charged: bool  # whether formal charges occurred
    max_atoms: int
    max_heavy_atoms: int
    max_rotatable_bonds: int
    max_ring_size: int
    max_fused_rings: int

    def to_dict(self) -> dict:
        """Plain dict for checkpoints and model cards."""
        return asdict(self)

    @classmethod
    def from_dict(cls, saved: dict) -> Domain:
        """Inverse of :meth:`to_dict`."""
        return cls(**{**saved, "elements": tuple(saved["elements"])})


QM9_DOMAIN = Domain(("H", "C", "N", "O", "F"), True, 29, 9, 6, 9, 4)
"""QM9: up to 9 heavy atoms of C, N, O, F (a few zwitterions carry charges)."""

DRUGLIKE_DOMAIN = Domain(
    ("H", "B", "C", "N", "O", "F", "Si", "P", "S", "Cl", "Br", "I"), True, 128, 50, 15, 8, 5
)
"""The drug-like set as ``qsdiff data druglike`` selects it and training keeps it."""


def _fused_ring_counts(mol: Chem.Mol) -> list[int]:
    """Rings per ring system (rings that share an atom belong to one system)."""
    rings = [set(ring) for ring in mol.GetRingInfo().AtomRings()]
    systems: list[set[int]] = []
    for ring in rings:
        touching = [s for s in systems if s & ring]
        merged = set(ring).union(*touching)
        systems = [s for s in systems if not s & ring] + [merged]
    return [sum(ring <= system for ring in rings) for system in systems]


def domain_notes(mol: Chem.Mol, domain: Domain) -> list[str]:
    """Why ``mol`` (explicit hydrogens) lies outside ``domain``; empty when it lies inside."""
    notes = []
    elements = sorted({a.GetSymbol() for a in mol.GetAtoms()} - set(domain.elements))
    if elements:
        notes.append(f"elements {', '.join(elements)} not in training")
    if not domain.charged and any(a.GetFormalCharge() for a in mol.GetAtoms()):
        notes.append("formal charges not in training")
    if mol.GetNumAtoms() > domain.max_atoms:
        notes.append(f"{mol.GetNumAtoms()} atoms (training: at most {domain.max_atoms})")
    if mol.GetNumHeavyAtoms() > domain.max_heavy_atoms:
        notes.append(
            f"{mol.GetNumHeavyAtoms()} heavy atoms (training: at most {domain.max_heavy_atoms})"
        )
    rotors = rdMolDescriptors.CalcNumRotatableBonds(mol)
    if rotors > domain.max_rotatable_bonds:
        notes.append(f"{rotors} rotatable bonds (training: at most {domain.max_rotatable_bonds})")
    rings = mol.GetRingInfo().AtomRings()
    largest = max((len(r) for r in rings), default=0)
    if largest > domain.max_ring_size:
        notes.append(f"a {largest}-membered ring (training: at most {domain.max_ring_size})")
    fused = max(_fused_ring_counts(mol), default=0)
    if fused > domain.max_fused_rings:
        notes.append(
            f"{fused} fused rings in one system (training: at most {domain.max_fused_rings})"
        )
    return notes
