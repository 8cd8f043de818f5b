"""``/v1/backbones`` and ``backbones`` jobs on a real server (a tiny, untrained checkpoint)."""

import io
import zipfile

import pytest

from chem.proteins import read_structure
from tests.api.cli.test_backbones import save_tiny_backbone_checkpoint
from tests.api.conftest import assert_untouched, start_server, stop_server, wait_for


@pytest.fixture(scope="module")
def backbone_server(tmp_path_factory):
    checkpoints = tmp_path_factory.mktemp("checkpoints")
    save_tiny_backbone_checkpoint(checkpoints / "backbone-quotient.pt")
    state = tmp_path_factory.mktemp("state")
    (state / "tmp").mkdir()
    running = start_server(state, temp_dir=state / "tmp", checkpoint_dir=str(checkpoints))
    yield running
    stop_server(running)


def test_sync_backbones_come_back_as_pdb_and_mmcif_made_in_memory(backbone_server, tmp_path):
    body = {"length": 30, "num_samples": 2, "num_steps": 3, "seed": 1}
    with backbone_server.client() as client, assert_untouched(backbone_server.state_dir / "tmp"):
        answer = client.post("/v1/backbones", json=body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    for fmt in ("pdb", "cif"):
        path = tmp_path / f"b.{fmt}"
        path.write_text(result[fmt])
        assert [len(c) for c in read_structure(path, split_breaks=False)] == [30, 30]
    assert "REMARK 250 qsdiff backbones treatment=quotient" in result["pdb"]
    assert "_qsdiff.remark" in result["cif"]
    assert len(result["samples"]) == 2
    assert result["samples"][0]["length"] == 30
    assert result["lengths"] == [30]
    assert all(len(s["plan"]) == len(s["secondary_structure"]) == 30 for s in result["samples"])


def test_a_secondary_structure_request_and_several_lengths(backbone_server):
    letters = "L" * 4 + "H" * 16 + "L" * 4
    with backbone_server.client() as client:
        asked = client.post("/v1/backbones", json={"length": 24, "secondary_structure": letters,
                                                   "guidance": 3.0, "num_steps": 3})  # fmt: skip
        several = client.post("/v1/backbones", json={"lengths": [12, 16], "num_steps": 2})
    assert asked.status_code == 200, asked.text
    (sample,) = asked.json()["samples"]
    assert sample["plan"] == letters
    assert sample["guidance"] == 3.0
    assert several.status_code == 200, several.text
    assert [s["length"] for s in several.json()["samples"]] == [12, 16]
    assert several.json()["lengths"] == [12, 16]


def test_a_request_of_fractions_gets_plans_near_them(backbone_server):
    with backbone_server.client() as client:
        alpha = client.post("/v1/backbones", json={"length": 40, "helix_fraction": 1.0,
                                                   "num_samples": 2, "num_steps": 2})  # fmt: skip
    assert alpha.status_code == 200, alpha.text
    plans = [sample["plan"] for sample in alpha.json()["samples"]]
    assert all("H" in plan and "E" not in plan for plan in plans)


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"length": 9}, ["body", "length"], "greater than or equal to 10"),
        ({"length": 2000}, ["body", "length"], "less than or equal to 512"),
        ({"lengths": [20, 600]}, ["body"], "lengths: 600 is outside 10-512 residues"),
        ({"length": 30, "treatment": "equivariant"}, ["treatment"], "no backbone checkpoint"),
        ({"length": 30, "gamma": -1}, ["body", "gamma"], "greater than or equal to 0"),
        ({"length": 30, "guidance": 11}, ["body", "guidance"], "less than or equal to 10"),
        ({"num_samples": 2}, ["body"], "give either length or lengths"),
        (
            {"length": 12, "secondary_structure": "HHH"},
            ["body"],
            "secondary_structure has 3 letters for length 12",
        ),
        (
            {"length": 4, "secondary_structure": "HHHC"},
            ["body", "length"],
            "greater than or equal to 10",
        ),
        (
            {"length": 12, "secondary_structure": "HHHHHHHHHHHC"},
            ["body"],
            "secondary_structure: 'C' are not among H, E, L",
        ),
        ({"length": 12, "plan": "random"}, ["body", "plan"], "Input should be 'sample' or 'none'"),
        (
            {"length": 30, "helix_fraction": 0.8, "strand_fraction": 0.3},
            ["body"],
            "helix_fraction + strand_fraction is 1.1, over 1",
        ),
    ],
)
def test_bad_backbone_requests_name_the_field(backbone_server, payload, field, message):
    with backbone_server.client() as client:
        answer = client.post("/v1/backbones", json=payload)
    assert answer.status_code == 422, answer.text
    assert any(d["loc"] == field and message in d["msg"] for d in answer.json()["detail"])


def test_a_backbones_job_streams_pdb_cif_and_zip(backbone_server):
    with backbone_server.client() as client:
        submitted = client.post(
            "/v1/jobs",
            json={"task": "backbones", "params": {"length": 20, "num_samples": 3, "num_steps": 3}},
        )
        assert submitted.status_code == 202, submitted.text
        job = wait_for(client, submitted.json()["id"])
        assert job["status"] == "succeeded", job
        results = f"/v1/jobs/{job['id']}/results"
        pdb = client.get(results, params={"format": "pdb"})
        assert pdb.headers["content-type"].startswith("chemical/x-pdb")
        assert pdb.text.count("ATOM") == 3 * 20 * 4
        archive = zipfile.ZipFile(io.BytesIO(client.get(results, params={"format": "zip"}).content))
        assert sorted(archive.namelist()) == ["backbones.cif", "backbones.pdb", "manifest.json"]
        assert client.get(results, params={"format": "sdf"}).status_code == 404
