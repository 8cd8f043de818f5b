"""EDM's evaluation of generated 3-D molecules (Hoogeboom et al., 2022), computed as EDM does.

Bonds come from interatomic distances alone: a pair is bonded when its distance is below the
tabulated single-bond length plus 10 pm, double below the double-bond length plus 5 pm, triple
below the triple-bond length plus 3 pm. An atom is *stable* when its bond orders sum to its one
allowed valence (H 1, C 4, N 3, O 2, F 1), a molecule when all its atoms are. *Validity* builds
the RDKit molecule from those bonds and sanitizes its largest fragment; *uniqueness* and
*novelty* compare canonical SMILES of the valid ones (novelty: against the training SMILES).
*Connected validity* (not in EDM) also asks for a single fragment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rdkit import Chem, rdBase

__all__ = [
    "ELEMENTS",
    "EdmMetrics",
    "bond_orders",
    "build_molecule",
    "evaluate",
    "largest_fragment_smiles",
    "stable_atoms",
]

ELEMENTS = ("H", "C", "N", "O", "F")  # QM9's atom types, in EDM's order
ALLOWED_VALENCE = np.array([1, 4, 3, 2, 1])
MARGINS_PM = (10, 5, 3)
_NONE = -1000  # no such bond: a threshold no distance is below

# EDM's bond lengths in picometres (qm9/bond_analyze.py), by (element, element) in ELEMENTS order.
_SINGLE = np.array(
    [
        [74, 109, 101, 96, 92],
        [109, 154, 147, 143, 135],
        [101, 147, 145, 140, 136],
        [96, 143, 140, 148, 142],
        [92, 135, 136, 142, 142],
    ]
)
_DOUBLE = np.full((5, 5), _NONE)
_DOUBLE[1:4, 1:4] = [[134, 129, 120], [129, 125, 121], [120, 121, 121]]
_TRIPLE = np.full((5, 5), _NONE)
_TRIPLE[1, 1:4] = [120, 116, 113]
_TRIPLE[2, 1:3] = [116, 110]
_TRIPLE[3, 1] = 113

_BOND_TYPES = {1: Chem.BondType.SINGLE, 2: Chem.BondType.DOUBLE, 3: Chem.BondType.TRIPLE}


def bond_orders(types: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``[n, n]`` bond orders 0-3 from element indices ``[n]`` and coordinates ``[n, 3]`` (A)."""
    types = np.asarray(types)
    distance_pm = 100 * np.linalg.norm(positions[:, None] - positions[None], axis=-1)
    pair = (types[:, None], types[None])
    single = distance_pm < _SINGLE[pair] + MARGINS_PM[0]
    double = distance_pm < _DOUBLE[pair] + MARGINS_PM[1]
    triple = distance_pm < _TRIPLE[pair] + MARGINS_PM[2]
    orders = single * (1 + double * (1 + triple))
    np.fill_diagonal(orders, 0)
    return orders.astype(np.int64)


def stable_atoms(types: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """Per atom: whether its bond orders sum to its element's allowed valence."""
    return orders.sum(1) == ALLOWED_VALENCE[np.asarray(types)]


def build_molecule(types: np.ndarray, positions: np.ndarray) -> Chem.Mol:
    """The RDKit molecule with EDM's distance bonds and the given coordinates (unsanitized)."""
    orders = bond_orders(types, positions)
    mol = Chem.RWMol()
    for t in types:
        mol.AddAtom(Chem.Atom(ELEMENTS[int(t)]))
    for i, j in zip(*np.nonzero(np.triu(orders)), strict=True):
        mol.AddBond(int(i), int(j), _BOND_TYPES[int(orders[i, j])])
    conformer = Chem.Conformer(len(types))
    for i, xyz in enumerate(np.asarray(positions, dtype=float)):
        conformer.SetAtomPosition(i, xyz.tolist())
    mol.AddConformer(conformer, assignId=True)
    return mol.GetMol()


def largest_fragment_smiles(mol: Chem.Mol) -> tuple[str | None, int]:
    """Canonical SMILES of the sanitized largest fragment (None if it fails); fragment count."""
    fragments = Chem.GetMolFrags(Chem.Mol(mol), asMols=True, sanitizeFrags=False)
    largest = Chem.Mol(max(fragments, key=lambda m: m.GetNumAtoms()))
    try:
        with rdBase.BlockLogs():
            Chem.SanitizeMol(largest)
    except (Chem.rdchem.MolSanitizeException, ValueError, RuntimeError):
        return None, len(fragments)
    return Chem.MolToSmiles(largest), len(fragments)


@dataclass(frozen=True)
class EdmMetrics:
    """EDM's table for a set of molecules (fractions in [0, 1])."""

    num_molecules: int
    atom_stability: float
    molecule_stability: float
    validity: float
    uniqueness: float
    novelty: float | None
    connected_validity: float

    @property
    def valid_and_unique(self) -> float:
        """EDM's V x U."""
        return self.validity * self.uniqueness


def evaluate(
    molecules: Iterable[tuple[np.ndarray, np.ndarray]],
    training_smiles: Sequence[str] | set[str] | None = None,
) -> EdmMetrics:
    """EDM's metrics of ``(types, positions)`` pairs; novelty needs the training SMILES."""
    atoms = stable = stable_molecules = count = connected = 0
    valid: list[str] = []
    for types, positions in molecules:
        ok = stable_atoms(types, bond_orders(types, positions))
        atoms += len(ok)
        stable += int(ok.sum())
        stable_molecules += bool(ok.all())
        count += 1
        smiles, fragments = largest_fragment_smiles(build_molecule(types, positions))
        if smiles is not None:
            valid.append(smiles)
            connected += fragments == 1
    unique = set(valid)
    novelty = None
    if training_smiles is not None:
        known = training_smiles if isinstance(training_smiles, set) else set(training_smiles)
        novelty = sum(s not in known for s in unique) / max(len(unique), 1)
    return EdmMetrics(
        num_molecules=count,
        atom_stability=stable / max(atoms, 1),
        molecule_stability=stable_molecules / max(count, 1),
        validity=len(valid) / max(count, 1),
        uniqueness=len(unique) / max(len(valid), 1),
        novelty=novelty,
        connected_validity=connected / max(count, 1),
    )
