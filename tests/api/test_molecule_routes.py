"""``/v1/molecules`` and ``molecules`` jobs on a real server with the shipped checkpoint."""

import io
import zipfile

import pytest
from rdkit import Chem

from tests.api.conftest import assert_untouched, wait_for


def _records(text: str) -> list:
    supplier = Chem.SDMolSupplier()
    supplier.SetData(text, removeHs=False)
    return [m for m in supplier if m is not None]


def test_sync_molecules_come_back_as_sdf_plus_flagged_xyz_made_in_memory(server):
    body = {"num_samples": 3, "num_atoms": 9, "num_steps": 5, "seed": 2}
    with server.client() as client, assert_untouched(server.state_dir / "tmp"):
        answer = client.post("/v1/molecules", json=body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert len(result["samples"]) == 3
    assert all(s["num_atoms"] == 9 for s in result["samples"])
    in_sdf = sum(s["bonds_from"] != "none" for s in result["samples"])
    assert len(_records(result["sdf"])) == in_sdf
    assert result["xyz"].count("(flagged)") == 3 - in_sdf
    assert {"atom_stability", "molecule_stable", "valid", "smiles"} <= set(result["samples"][0])


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"num_atoms": 100}, ["num_atoms"], "trained on at most"),
        ({"num_samples": 0}, ["body", "num_samples"], "greater than"),
        ({"num_samples": 50}, ["num_samples"], "POST /v1/jobs"),
        ({"treatment": "geodiff"}, ["treatment"], "no molecule checkpoint"),
        ({"sampler": "rk4"}, ["body", "sampler"], "ode"),
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
        sdf = client.get(results, params={"format": "sdf"}).text
        assert len(_records(sdf)) == manifest["in_sdf"]
        xyz = client.get(results, params={"format": "xyz"})
        assert xyz.status_code == (200 if manifest["in_xyz"] else 404)
        names = zipfile.ZipFile(io.BytesIO(client.get(results, params={"format": "zip"}).content))
        assert {"molecules.sdf", "manifest.json"} <= set(names.namelist())
