"""``qsdiff molecules``: SDF out with each molecule's checks, clear usage errors."""

import json

import pytest
from rdkit import Chem

from tests.graph_model import graph_model_folder
from tests.helpers import run_qsdiff


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return graph_model_folder(tmp_path_factory.mktemp("models"))


def _env(models) -> dict[str, str]:
    return {"QSDIFF_CHECKPOINT_DIR": str(models)}


def test_molecules_are_written_from_their_graphs_and_summarised(tmp_path, models):
    out = tmp_path / "out" / "m.sdf"
    done = run_qsdiff(
        "molecules", "-n", "6", "-o", str(out), "--steps", "3", "--relax", "none", "--json",
        env=_env(models),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["in_sdf"] + summary["not_molecules"] == 6
    assert summary["in_sdf"] >= 4
    records = [m for m in Chem.SDMolSupplier(str(out), removeHs=False) if m is not None]
    assert len(records) == summary["in_sdf"]
    for mol in records:
        assert mol.GetConformer().Is3D()
        assert Chem.MolToSmiles(Chem.RemoveHs(mol), isomericSmiles=False) == Chem.CanonSmiles(
            mol.GetProp("generated_smiles")
        )
        assert mol.HasProp("molecule_stable")
        assert mol.HasProp("mmff94_strain")


def test_usage_errors_name_the_option(tmp_path, models):
    out = str(tmp_path / "m.sdf")
    done = run_qsdiff("molecules", "-n", "0", "-o", out, env=_env(models))
    assert done.returncode == 2
    assert "argument -n/--num-molecules: must be between 1 and 10000, not 0" in done.stderr
    done = run_qsdiff("molecules", "--heavy-atoms", "0", "-o", out, env=_env(models))
    assert done.returncode == 2
    assert "--heavy-atoms: must be at least 1, not 0" in done.stderr
    done = run_qsdiff("molecules", "--heavy-atoms", "12", "-o", out, env=_env(models))
    assert done.returncode == 2
    assert "12 heavy atoms; the model knows at most 6" in done.stderr
    done = run_qsdiff(
        "molecules", "-o", out, env={"QSDIFF_CHECKPOINT_DIR": str(tmp_path / "empty")}
    )
    assert done.returncode == 2
    assert "no de novo graph checkpoint" in done.stderr
