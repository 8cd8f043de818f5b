"""``qsdiff conformers`` end to end with the shipped quotient checkpoint (real CLI process)."""

import json
from pathlib import Path

import pytest
from rdkit import Chem

from chem.checks import graph_recovered
from chem.stereo import labels_from_coordinates, stereo_labels
from tests.helpers import run_qsdiff

CHECKPOINT = Path(__file__).resolve().parents[3] / "checkpoints" / "conformer-quotient.pt"


@pytest.mark.skipif(not CHECKPOINT.is_file(), reason="no shipped checkpoint")
def test_conformers_for_a_smiles_file_with_bad_records(tmp_path):
    smi = tmp_path / "in.smi"
    smi.write_text(
        "C[C@H](O)C#N lactonitrile\nnot_a_smiles bad\nOC[C@@H]1CC[C@H](C)O1 oxolane\n[Se] se\n"
    )
    out = tmp_path / "out.sdf"
    done = run_qsdiff("conformers", str(smi), "-n", "3", "-o", str(out), "--seed", "1", "--json")
    assert done.returncode == 1  # some molecules could not be handled
    summary = json.loads(done.stdout)
    assert summary["conformers"] == 6
    assert [f["name"] for f in summary["failures"]] == ["bad", "se"]
    assert "could not parse" in summary["failures"][0]["error"]
    assert "element Se" in summary["failures"][1]["error"]
    assert "skipped bad" in done.stderr
    records = list(Chem.SDMolSupplier(str(out), removeHs=False))
    assert len(records) == 6
    assert all(r is not None for r in records)
    assert [r.GetIntProp("conformer_index") for r in records] == [0, 1, 2, 0, 1, 2]
    assert {r.GetProp("treatment") for r in records} == {"quotient"}
    recovered = 0
    for record in records:
        coords = record.GetConformer().GetPositions()
        recovered += graph_recovered(record, coords)
        assert labels_from_coordinates(record, coords) == stereo_labels(record)
    assert recovered >= 5  # sanity: bonds perceived from the coordinates are the input's


def test_bad_arguments_exit_2(tmp_path):
    done = run_qsdiff("conformers", "CCO", "-n", "0", "-o", str(tmp_path / "o.sdf"))
    assert done.returncode == 2
    assert "at least 1" in done.stderr
    done = run_qsdiff(
        "conformers",
        "CCO",
        "-o",
        str(tmp_path / "o.sdf"),
        "--checkpoint",
        str(tmp_path / "none.pt"),
    )
    assert done.returncode == 2
    assert "no checkpoint at" in done.stderr


def test_a_missing_input_file_is_a_usage_error_of_one_line(tmp_path):
    missing = tmp_path / "none.smi"
    done = run_qsdiff("conformers", str(missing), "-o", str(tmp_path / "o.sdf"))
    assert done.returncode == 2
    assert done.stderr == f"qsdiff conformers: error: no input file at {missing}\n"
