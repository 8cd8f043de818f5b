import pytest
import torch
from rdkit import Chem

from chem.featurize import ELEMENTS, MAX_ATOMS, FeaturizationError, featurize
from chem.molecules import prepare_molecule


def _graph(smiles):
    mol = prepare_molecule(Chem.MolFromSmiles(smiles))
    return mol, featurize(mol)


def test_atom_codes_follow_the_molecule():
    mol, graph = _graph("C[C@H](O)c1ccccc1")
    assert graph.num_atoms == mol.GetNumAtoms() == 19
    elements = [ELEMENTS[int(i)] for i in graph.atoms[:, 0]]
    assert elements == [a.GetSymbol() for a in mol.GetAtoms()]
    aromatic = graph.atoms[:, 2].bool().tolist()
    assert aromatic == [a.GetIsAromatic() for a in mol.GetAtoms()]
    cip = graph.atoms[:, 5].tolist()
    assert cip[1] == 2
    assert sum(cip) == 2


def test_pair_codes_are_symmetric_bonds_and_distances():
    mol, graph = _graph("C/C=C/C#N")
    n = graph.num_atoms
    pairs = graph.pairs.view(n, n, -1)
    assert torch.equal(pairs, pairs.transpose(0, 1))
    for bond in mol.GetBonds():
        i, j = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        assert int(pairs[i, j, 0]) > 0
        assert int(pairs[i, j, 3]) == 1
    assert int((pairs[..., 0] > 0).sum()) == 2 * mol.GetNumBonds()
    double = next(b for b in mol.GetBonds() if b.GetBondType() == Chem.BondType.DOUBLE)
    i, j = double.GetBeginAtomIdx(), double.GetEndAtomIdx()
    assert int(pairs[i, j, 1]) == 1  # E
    assert int(pairs[0, 0, 3]) == 0


@pytest.mark.parametrize(
    ("smiles", "message"),
    [
        ("[Se]", "element Se"),
        ("C[N+2]C", "formal charge \\+2"),
        ("C" * 90, f"the limit is {MAX_ATOMS}"),
    ],
)
def test_unsupported_molecules_say_why(smiles, message):
    with pytest.raises(FeaturizationError, match=message):
        featurize(prepare_molecule(Chem.MolFromSmiles(smiles)))


def test_implicit_hydrogens_are_refused():
    with pytest.raises(FeaturizationError, match="hydrogens must be explicit"):
        featurize(Chem.MolFromSmiles("CCO"))
