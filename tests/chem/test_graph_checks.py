"""The generated-graph protocol: valences at formal charges, and the table over samples."""

import pytest
from rdkit import Chem

from chem.graph_checks import graph_protocol, stable_atom_flags


@pytest.mark.parametrize(
    ("smiles", "stable"),
    [
        ("CC(=O)[O-]", True),
        ("C[NH3+]", True),
        ("C[N+](=O)[O-]", True),
        ("c1ccccc1", True),
        ("[CH2]C", False),  # a radical carbon
        ("C[O+]", False),  # an oxygen cation with one bond: a radical
        ("C[C-](C)C", True),
    ],
)
def test_atoms_are_stable_at_their_formal_charge_only(smiles, stable):
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    assert all(stable_atom_flags(mol)) is stable


def test_the_table_counts_non_molecules_as_unstable_and_invalid():
    mols = [Chem.MolFromSmiles(s) for s in ("CCO", "OCC", "C#N", "[CH3]")] + [None]
    table = graph_protocol(mols, known={"CCO"})
    assert table.num_molecules == 5
    assert table.validity == pytest.approx(4 / 5)
    assert table.molecule_stability == pytest.approx(3 / 5)  # all but the methyl radical
    assert table.uniqueness == pytest.approx(3 / 4)
    assert table.novelty == pytest.approx(2 / 3)
    assert table.table()["valid_and_unique"] == pytest.approx(0.6)
