"""SMILES as tokens: the alphabet the de novo graph model reads and writes.

A token is one atom (bracketed atoms whole, ``Cl``/``Br`` as one), one bond, branch or ring
label. Training molecules are written as canonical SMILES of their heavy atoms, without stereo
(the conformer model places the atoms and so decides the stereoisomer), charges kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdkit import Chem, rdBase

__all__ = ["RESERVED", "Vocabulary", "canonical_heavy_smiles", "read_fragment", "tokenize"]

RESERVED = 3
"""Ids 0, 1, 2 are left to the model (padding, start, end: ``models.networks.smiles_lm``)."""
TOKEN = re.compile(r"\[[^\]]+\]|Br|Cl|%\d{2}|[A-Za-z]|\d|[()=#\-+/\\@.:~*$]")
ELEMENT = re.compile(r"Br|Cl|[A-Z][a-z]?|[bcnops]")


def tokenize(smiles: str) -> list[str]:
    """The tokens of ``smiles``; ValueError when some character belongs to none."""
    tokens = TOKEN.findall(smiles)
    if "".join(tokens) != smiles:
        raise ValueError(f"cannot split {smiles!r} into SMILES tokens")
    return tokens


def canonical_heavy_smiles(smiles: str) -> tuple[str, int] | None:
    """Canonical stereo-free SMILES of ``smiles`` and its heavy-atom count; None if unreadable."""
    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    return Chem.MolToSmiles(mol, isomericSmiles=False), mol.GetNumHeavyAtoms()


@dataclass(frozen=True)
class Vocabulary:
    """The model's tokens; token ``k`` has id ``k + 3`` (0-2 are PAD, BOS, EOS)."""

    tokens: tuple[str, ...]

    @classmethod
    def of(cls, smiles: list[str]) -> Vocabulary:
        """Every token that occurs in ``smiles``, sorted."""
        return cls(tuple(sorted({t for s in smiles for t in tokenize(s)})))

    @property
    def size(self) -> int:
        """Ids in use, reserved ones included."""
        return len(self.tokens) + RESERVED

    def encode(self, smiles: str) -> list[int]:
        """Token ids of ``smiles``; ValueError naming a token the model never saw."""
        index = {t: i + RESERVED for i, t in enumerate(self.tokens)}
        try:
            return [index[t] for t in tokenize(smiles)]
        except KeyError as error:
            raise ValueError(
                f"token {error.args[0]!r} of {smiles!r} is not in the vocabulary"
            ) from None

    def decode(self, ids: list[int]) -> str:
        """The SMILES string of ``ids`` (reserved ids are skipped)."""
        return "".join(self.tokens[i - RESERVED] for i in ids if i >= RESERVED)

    @property
    def elements(self) -> set[str]:
        """The elements the tokens write (aromatic ones capitalised)."""
        return {
            match.group().capitalize()
            for token in self.tokens
            if (match := ELEMENT.search(token.strip("[]"))) is not None
        }


def read_fragment(smiles: str, elements: set[str], max_heavy_atoms: int) -> Chem.Mol:
    """A fragment to keep in generated molecules; ValueError saying what is wrong with it."""
    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise ValueError(f"RDKit could not parse {smiles!r}")
    foreign = sorted({a.GetSymbol() for a in mol.GetAtoms()} - elements)
    if foreign:
        raise ValueError(
            f"element(s) {', '.join(foreign)} of {smiles!r} are not among the model's "
            f"({', '.join(sorted(elements))})"
        )
    if mol.GetNumHeavyAtoms() > max_heavy_atoms:
        raise ValueError(
            f"{smiles!r} has {mol.GetNumHeavyAtoms()} heavy atoms; the model knows at most "
            f"{max_heavy_atoms}"
        )
    return mol
