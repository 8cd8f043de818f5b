"""RDKit molecule -> graph tensors for the conformer network.

Every atom and every ordered atom pair gets small integer codes (the network embeds them);
pairs are dense per molecule, because the network is fully connected within each molecule and
bonded pairs carry bond features. Stereo enters as invariant labels (CIP R/S on atoms, E/Z on
bonds): with them an E(3)-equivariant network can learn every relative configuration, and the
one thing it cannot see, the global mirror image, is fixed after sampling
(:func:`chem.stereo.match_reflection`).

Shapes: ``atoms: [N, A]`` (A = len(ATOM_FIELDS)), ``pairs: [N * N, P]`` (row-major over
``(i, j)``, P = len(PAIR_FIELDS)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from rdkit import Chem
from torch import Tensor

__all__ = [
    "ATOM_CARDINALITIES",
    "ELEMENTS",
    "MAX_ATOMS",
    "PAIR_CARDINALITIES",
    "FeaturizationError",
    "MolGraph",
    "featurize",
]

ELEMENTS: tuple[str, ...] = ("H", "B", "C", "N", "O", "F", "Si", "P", "S", "Cl", "Br", "I")
CHARGES: tuple[int, ...] = (-1, 0, 1)
HYBRIDIZATIONS = (
    Chem.HybridizationType.S,
    Chem.HybridizationType.SP,
    Chem.HybridizationType.SP2,
    Chem.HybridizationType.SP3,
    Chem.HybridizationType.SP3D,
    Chem.HybridizationType.SP3D2,
)
BOND_TYPES = (
    Chem.BondType.SINGLE,
    Chem.BondType.DOUBLE,
    Chem.BondType.TRIPLE,
    Chem.BondType.AROMATIC,
)
MAX_ATOMS = 256  # with hydrogens; pairs are dense per molecule (256^2 = 65k codes)
MAX_TOPOLOGICAL_DISTANCE = 7

# categorical fields and how many values each takes (index 0 = "none"/"other" where it applies)
ATOM_FIELDS = ("element", "charge", "aromatic", "hybridization", "ring_size", "cip", "degree")
ATOM_CARDINALITIES: tuple[int, ...] = (len(ELEMENTS), len(CHARGES), 2, 7, 6, 3, 7)
PAIR_FIELDS = ("bond_type", "bond_stereo", "conjugated", "topological_distance")
PAIR_CARDINALITIES: tuple[int, ...] = (5, 3, 2, MAX_TOPOLOGICAL_DISTANCE + 2)


class FeaturizationError(ValueError):
    """The molecule cannot be featurized; the message says why."""


@dataclass(frozen=True)
class MolGraph:
    """A molecule as the conformer network sees it (hydrogens explicit)."""

    atoms: Tensor  # [N, A] int64 codes
    pairs: Tensor  # [N * N, P] int64 codes

    @property
    def num_atoms(self) -> int:
        """``N``."""
        return int(self.atoms.shape[0])


def _ring_size_code(atom: Chem.Atom) -> int:
    """0: not in a ring; 1..4: smallest ring of 3..6 atoms; 5: larger."""
    if not atom.IsInRing():
        return 0
    for code, size in enumerate((3, 4, 5, 6), start=1):
        if atom.IsInRingSize(size):
            return code
    return 5


def _atom_codes(mol: Chem.Mol) -> np.ndarray:
    codes = np.zeros((mol.GetNumAtoms(), len(ATOM_FIELDS)), dtype=np.int64)
    for atom in mol.GetAtoms():
        symbol, charge = atom.GetSymbol(), atom.GetFormalCharge()
        if symbol not in ELEMENTS:
            raise FeaturizationError(
                f"element {symbol} (atom {atom.GetIdx()}) is not supported; "
                f"supported: {', '.join(ELEMENTS)}"
            )
        if charge not in CHARGES:
            raise FeaturizationError(
                f"formal charge {charge:+d} on atom {atom.GetIdx()} ({symbol}) is not supported"
            )
        hybrid = atom.GetHybridization()
        cip = atom.GetPropsAsDict().get("_CIPCode", "")
        codes[atom.GetIdx()] = (
            ELEMENTS.index(symbol),
            CHARGES.index(charge),
            int(atom.GetIsAromatic()),
            HYBRIDIZATIONS.index(hybrid) + 1 if hybrid in HYBRIDIZATIONS else 0,
            _ring_size_code(atom),
            {"R": 1, "S": 2}.get(cip, 0),
            min(atom.GetDegree(), 6),
        )
    return codes


def _pair_codes(mol: Chem.Mol) -> np.ndarray:
    n = mol.GetNumAtoms()
    codes = np.zeros((n, n, len(PAIR_FIELDS)), dtype=np.int64)
    distance = Chem.GetDistanceMatrix(mol)
    distance = np.where(np.isfinite(distance), distance, MAX_TOPOLOGICAL_DISTANCE + 1)
    codes[..., 3] = np.minimum(distance, MAX_TOPOLOGICAL_DISTANCE + 1).astype(np.int64)
    for bond in mol.GetBonds():
        i, j = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        kind = bond.GetBondType()
        if kind not in BOND_TYPES:
            raise FeaturizationError(f"bond type {kind} between atoms {i} and {j} is not supported")
        stereo = {Chem.BondStereo.STEREOE: 1, Chem.BondStereo.STEREOZ: 2}.get(bond.GetStereo(), 0)
        code = (BOND_TYPES.index(kind) + 1, stereo, int(bond.GetIsConjugated()))
        codes[i, j, :3] = code
        codes[j, i, :3] = code
    return codes.reshape(n * n, len(PAIR_FIELDS))


def featurize(mol: Chem.Mol) -> MolGraph:
    """Graph tensors of ``mol``, which must hold explicit hydrogens and assigned stereo.

    Raises :class:`FeaturizationError` for unsupported elements, charges or bonds, for
    molecules without hydrogens where they are needed, and above ``MAX_ATOMS`` atoms.
    """
    n = mol.GetNumAtoms()
    if n == 0:
        raise FeaturizationError("the molecule has no atoms")
    if n > MAX_ATOMS:
        raise FeaturizationError(f"{n} atoms (hydrogens included); the limit is {MAX_ATOMS}")
    if any(atom.GetTotalNumHs(includeNeighbors=False) for atom in mol.GetAtoms()):
        raise FeaturizationError("hydrogens must be explicit atoms (use Chem.AddHs first)")
    return MolGraph(torch.from_numpy(_atom_codes(mol)), torch.from_numpy(_pair_codes(mol)))
