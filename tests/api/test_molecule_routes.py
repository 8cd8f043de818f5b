"""``/v1/molecules`` and ``molecules`` jobs on a real server with the shipped checkpoints."""

import io
import zipfile

import pytest
from rdkit import Chem

from tests.api.conftest import assert_untouched, wait_for


def _records(text: str) -> list:
    supplier = Chem.SDMolSupplier()
    supplier.SetData(text, removeHs=False)
    return [m for m in supplier if m is not None]


def test_sync_molecules_come_back_as_sdf_with_their_checks_made_in_memory(server):
    body = {"num_samples": 3, "num_heavy_atoms": 7, "num_steps": 5, "seed": 2}
    with server.client() as client, assert_untouched(server.state_dir / "tmp"):
        answer = client.post("/v1/molecules", json=body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert len(result["samples"]) == 3
    placed = [s for s in result["samples"] if s["valid"]]
    assert all(s["num_heavy_atoms"] == 7 for s in placed)
    records = _records(result["sdf"])
    assert len(records) == len(placed)
    assert all(m.GetNumHeavyAtoms() == 7 for m in records)
    assert {"atom_stability", "molecule_stable", "edm_molecule_stable", "mmff94_strain"} <= set(
        placed[0]
    )


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"num_heavy_atoms": 100}, ["num_heavy_atoms"], "the model knows at most 9"),
        ({"num_heavy_atoms": 0}, ["body", "num_heavy_atoms"], "greater than or equal to 1"),
        ({"num_samples": 0}, ["body", "num_samples"], "greater than"),
        ({"num_samples": 50}, ["num_samples"], "POST /v1/jobs"),
        ({"treatment": "geodiff"}, ["treatment"], "no QM9 conformer checkpoint"),
        ({"temperature": 0}, ["body", "temperature"], "greater than 0"),
        ({"scaffold": "c1ccc"}, ["scaffold"], "RDKit could not parse 'c1ccc'"),
        ({"scaffold": "CS"}, ["scaffold"], "element(s) S of 'CS' are not among the model's"),
        ({"scaffold": "C" * 201}, ["body", "scaffold"], "at most 200 characters"),
        ({"fragment": "CC"}, ["body", "fragment"], "Extra inputs"),
        ({"num_steps": "many"}, ["body", "num_steps"], "integer"),
    ],
)
def test_bad_molecule_requests_name_the_field(server, payload, field, message):
    with server.client() as client:
        answer = client.post("/v1/molecules", json={"num_samples": 2, **payload})
        assert answer.status_code == 422, answer.text
        detail = answer.json()["detail"]
        assert any(d["loc"] == field and message in d["msg"] for d in detail), detail


def test_a_molecules_job_streams_its_files(server):
    with server.client() as client:
        submitted = client.post(
            "/v1/jobs",
            json={"task": "molecules", "params": {"num_samples": 4, "num_steps": 5, "seed": 7}},
        )
        assert submitted.status_code == 202, submitted.text
        job = wait_for(client, submitted.json()["id"])
        assert job["status"] == "succeeded", job
        results = f"/v1/jobs/{job['id']}/results"
        manifest = client.get(results, params={"format": "json"}).json()
        assert len(manifest["samples"]) == 4
        assert manifest["in_sdf"] + manifest["not_molecules"] == 4
        sdf = client.get(results, params={"format": "sdf"}).text
        assert len(_records(sdf)) == manifest["in_sdf"]
        names = zipfile.ZipFile(io.BytesIO(client.get(results, params={"format": "zip"}).content))
        assert set(names.namelist()) == {"molecules.sdf", "manifest.json"}
