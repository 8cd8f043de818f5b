import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import AllChem

from chem.molecules import ConformerRecord, prepare_molecule, read_inputs, write_sdf
from chem.stereo import labels_from_coordinates, match_reflection, stereo_labels


def test_smiles_file_reports_bad_records_one_by_one(tmp_path):
    smi = tmp_path / "in.smi"
    smi.write_text("CCO ethanol\n# comment\nC1CC bad_ring\n[Se]C selenide\nc1ccccc1\n")
    records = read_inputs(str(smi))
    assert [r.name for r in records] == ["ethanol", "bad_ring", "selenide", "line5"]
    assert records[0].error is None
    assert records[0].graph.num_atoms == 9
    assert "could not parse 'C1CC'" in records[1].error
    assert "element Se" in records[2].error
    assert records[3].error is None


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no input file"):
        read_inputs(str(tmp_path / "missing.sdf"))


@pytest.mark.parametrize("name", ["empty.smi", "comments.smi", "empty.sdf"])
def test_a_file_without_molecules_is_an_error(tmp_path, name):
    path = tmp_path / name
    path.write_text("# only a comment\n" if name == "comments.smi" else "")
    with pytest.raises(ValueError, match="holds no molecules"):
        read_inputs(str(path))


def test_sdf_round_trips_through_rdkit_with_properties(tmp_path):
    mol = prepare_molecule(Chem.MolFromSmiles("C[C@@H](N)C(=O)O"))
    AllChem.EmbedMolecule(mol, randomSeed=3)
    coords = mol.GetConformer().GetPositions()
    out = tmp_path / "out.sdf"
    props = {"name": "ala", "seed": 7, "treatment": "quotient", "conformer_index": 1, "w": 0.5}
    assert write_sdf([ConformerRecord(mol, coords, props)], out) == 1
    (back,) = list(Chem.SDMolSupplier(str(out), removeHs=False))
    np.testing.assert_allclose(back.GetConformer().GetPositions(), coords, atol=1e-4)
    assert back.GetProp("_Name") == "ala"
    assert back.GetIntProp("seed") == 7
    assert back.GetProp("treatment") == "quotient"
    assert Chem.MolToSmiles(Chem.RemoveHs(back)) == Chem.MolToSmiles(Chem.RemoveHs(mol))
    # and the SDF is itself a valid input, stereo read from its 3-D coordinates
    (again,) = read_inputs(str(out))
    assert again.error is None
    assert stereo_labels(again.mol) == stereo_labels(mol)


def test_reflection_fix_restores_the_input_stereo():
    mol = prepare_molecule(Chem.MolFromSmiles("C[C@H](O)[C@@H](N)CC"))
    AllChem.EmbedMolecule(mol, randomSeed=1)
    coords = mol.GetConformer().GetPositions()
    mirrored = coords * np.array([1.0, 1.0, -1.0])
    assert labels_from_coordinates(mol, mirrored) != stereo_labels(mol)
    fixed, matched = match_reflection(mol, mirrored)
    assert matched == len(stereo_labels(mol)) == 2
    assert labels_from_coordinates(mol, fixed) == stereo_labels(mol)
