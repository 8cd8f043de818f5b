"""Protonation states at physiological pH by a few rules, as ligands are deposited.

Crystal ligands carry the charges of pH ~7 (about half of the Platinum ligands are charged:
ammonium ions, carboxylates, amidinium). Training SMILES from MOSES are all neutral, so the
builder of the drug-like set protonates with the rules below; they cover the common groups,
not every pKa (no tetrazoles, phenols or sulfonamides, which stay neutral).
"""

from __future__ import annotations

from rdkit import Chem

__all__ = ["protonate"]

# carboxylic and phosphonic/phosphoric acid OH -> O-
_ACID = Chem.MolFromSmarts("[OX2H1;$(O-C(=O)),$(O-P(=O))]")
# basic amines: sp3 N not next to a carbonyl, aromatic ring, sulfonyl, heteroatom or C=N/C#N
_AMINE = Chem.MolFromSmarts(
    "[NX3;H2,H1,H0;+0;!a;!$(N-a);!$(N-[C,S,P]=[O,S,N]);!$(N-S(=O)=O);!$(N-[N,O,S]);"
    "!$(N-C#N);!$(N-C=C)]"
)
# amidines and guanidines: the imine N takes the proton
_AMIDINE = Chem.MolFromSmarts(
    "[NX2;H1,H0;+0;!a;!$(N-[!#6]);$(N=C(-[NX3;!a;!$(N-C=O)])-[#6,#7;!$(C=O)])]"
)


def protonate(mol: Chem.Mol) -> Chem.Mol:
    """A copy of ``mol`` (implicit hydrogens) with acids deprotonated and bases protonated.

    Raises ``ValueError`` when the result does not sanitize (the input's chemistry is odd).
    """
    rw = Chem.RWMol(mol)
    acids = {m[0] for m in rw.GetSubstructMatches(_ACID)}
    # one charge per carboxylic group: two OH on the same P stay one negative charge
    seen_centres: set[int] = set()
    for idx in sorted(acids):
        centre = next(n.GetIdx() for n in rw.GetAtomWithIdx(idx).GetNeighbors())
        if centre in seen_centres:
            continue
        seen_centres.add(centre)
        atom = rw.GetAtomWithIdx(idx)
        atom.SetFormalCharge(-1)
        atom.SetNumExplicitHs(0)
        atom.SetNoImplicit(True)
    for pattern in (_AMINE, _AMIDINE):
        for (idx,) in rw.GetSubstructMatches(pattern):
            atom = rw.GetAtomWithIdx(idx)
            atom.SetFormalCharge(1)
            atom.SetNumExplicitHs(atom.GetTotalNumHs() + 1)
            atom.SetNoImplicit(True)
    out = rw.GetMol()
    try:
        Chem.SanitizeMol(out)
    except Exception as e:  # RDKit raises several sanitization exception types
        raise ValueError(f"protonated form of {Chem.MolToSmiles(mol)} is invalid: {e}") from e
    return out
