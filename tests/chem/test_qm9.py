import numpy as np
import pytest
import torch
from rdkit import Chem

from chem.qm9 import PerceptionError, load_conformer_set, perceive_molecule
from tests.chem.fixtures import embedded, write_tiny_qm9


def test_perception_recovers_the_molecule_and_its_stereo():
    mol = embedded("C[C@H](O)/C=C/C")
    numbers = np.array([a.GetAtomicNum() for a in mol.GetAtoms()])
    coords = mol.GetConformer().GetPositions()
    perceived = perceive_molecule(numbers, coords, "CC(O)C=CC")
    assert Chem.MolToSmiles(Chem.RemoveHs(perceived)) == Chem.MolToSmiles(Chem.RemoveHs(mol))
    np.testing.assert_allclose(perceived.GetConformer().GetPositions(), coords, atol=1e-5)


def test_perception_refuses_a_disagreeing_smiles():
    mol = embedded("CCO")
    numbers = np.array([a.GetAtomicNum() for a in mol.GetAtoms()])
    with pytest.raises(PerceptionError, match="differs from the dataset SMILES"):
        perceive_molecule(numbers, mol.GetConformer().GetPositions(), "COC")


def test_conformer_set_is_built_counted_and_cached(tmp_path):
    npz = write_tiny_qm9(tmp_path / "tiny.npz", wrong_smiles_row=2)
    train = load_conformer_set(npz, "train", tmp_path / "cache")
    assert len(train) == 3  # rows 0, 2, 4, 6 minus the wrong one
    assert train.dropped == {"perceived graph differs from the dataset SMILES": 1}
    item = train[1]
    assert item.atoms.shape[0] == item.pos.shape[0] == item.num_nodes
    assert item.pairs.shape[0] == item.num_nodes**2
    torch.testing.assert_close(item.pos.mean(0), torch.zeros(3), atol=1e-5, rtol=0)
    assert len(list((tmp_path / "cache").glob("*.pt"))) == 1
    again = load_conformer_set(npz, "train", tmp_path / "cache")
    assert again.smiles == train.smiles
    with pytest.raises(ValueError, match="unknown split 'test2'"):
        load_conformer_set(npz, "test2", tmp_path / "cache")
