"""Every route's happy path, and bad input answered with a 4xx that names the field."""

import io
import json
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from rdkit import Chem

from tests.api.conftest import wait_for

pytestmark = pytest.mark.usefixtures("server")


def _sdf_records(text):
    supplier = Chem.SDMolSupplier()
    supplier.SetData(text, removeHs=False)
    return list(supplier)


def test_health_readiness_and_models(server):
    with server.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["database"] == "ok"
        models = client.get("/v1/models").json()
        assert {"conformer"} <= {m["task"] for m in models}
        assert "quotient" in {m["treatment"] for m in models}


def test_drug_like_conformers_from_etkdg_relaxed_carry_their_checks(server):
    body = {
        "smiles": ["CC(C)Cc1ccc(C(C)C(=O)[O-])cc1"],  # ibuprofen, deprotonated
        "num_samples": 2,
        "model": "druglike",
        "start": "etkdg",
        "start_time": 0.6,
        "num_steps": 4,
        "relax": "mmff",
    }
    with server.client() as client:
        answer = client.post("/v1/conformers", json=body)
        qm9 = client.post(
            "/v1/conformers",
            json={"smiles": body["smiles"], "num_samples": 1, "model": "qm9", "start": "noise"},
        )
    assert answer.status_code == 200, answer.text
    for sample in answer.json()["samples"]:
        assert sample["checkpoint"] == "conformer-druglike-quotient.pt"
        assert sample["in_domain"] == 1
        assert sample["mmff94_strain"] < 5.0  # relaxed with screened charges, scored in vacuum
        assert sample["posebusters_pass"] == 1
        assert (sample["start"], sample["start_time"], sample["relax"]) == ("etkdg", 0.6, "mmff")
    (flagged,) = qm9.json()["samples"]  # the QM9 pair has never seen 15 heavy atoms
    assert flagged["in_domain"] == 0
    assert "heavy atoms" in flagged["domain_notes"]


def test_the_docs_page_loads_swagger_ui_from_this_server(server):
    with server.client() as client:
        page = client.get("/docs")
        assert page.status_code == 200
        sources = re.findall(r"(?:src|href)=['\"]([^'\"]+)['\"]", page.text)
        assert "/docs/assets/swagger-ui-bundle.js" in sources
        assert not [s for s in sources if "//" in s], sources  # no other host
        for source in sources:
            assert client.get(source).status_code == 200, source
        assert client.get("/openapi.json").json()["info"]["title"] == "qsdiff"


def test_sync_conformers_return_sdf_that_rdkit_reads(server):
    with server.client() as client:
        answer = client.post(
            "/v1/conformers", json={"smiles": ["CCO", "C[C@H](N)C=O"], "num_samples": 2, "seed": 3}
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    records = _sdf_records(body["sdf"])
    assert len(records) == 4
    assert all(r is not None for r in records)
    assert [s["conformer_index"] for s in body["samples"]] == [0, 1, 0, 1]
    assert body["seed"] == 3
    assert body["treatment"] == "quotient"
    assert isinstance(body["elapsed_seconds"], float)


def test_concurrent_inline_requests_share_a_batch_and_keep_their_answers(server):
    # unrelaxed: 100 unconverged MMFF94 iterations magnify float-rounding differences
    body = {"smiles": ["CC(=O)N"], "num_samples": 2, "seed": 5, "num_steps": 8, "relax": "none"}
    with server.client() as client:
        solo = client.post("/v1/conformers", json=body).json()

    def post(i: int) -> dict:
        mine = (
            body if i == 0 else {**body, "smiles": [["CCO", "CCN", "c1ccccc1"][i % 3]], "seed": i}
        )
        with server.client() as client:
            answer = client.post("/v1/conformers", json=mine)
            assert answer.status_code == 200, answer.text
            return answer.json()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, range(8)))
    assert max(a["batch_requests"] for a in answers) > 1
    batched = [r.GetConformer().GetPositions() for r in _sdf_records(answers[0]["sdf"])]
    alone = [r.GetConformer().GetPositions() for r in _sdf_records(solo["sdf"])]
    np.testing.assert_allclose(batched, alone, atol=2e-4)


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"smiles": ["C1CC"]}, ["smiles", 0], "could not parse"),
        ({"smiles": ["CCO", "[Se]"]}, ["smiles", 1], "element Se"),
        ({"smiles": ["C" * 90]}, ["smiles", 0], "the limit is 256"),
        ({"smiles": ["CCO"], "start_time": 1.0}, ["body", "start_time"], "less than"),
        ({"smiles": ["CCO"], "model": "zinc"}, ["body", "model"], "'qm9' or 'druglike'"),
        ({"smiles": ["CCO"], "num_samples": -1}, ["body", "num_samples"], "greater than"),
        ({"smiles": ["CCO"], "num_samples": 10**6}, ["body", "num_samples"], "less than"),
        ({"smiles": ["CCO"], "treatment": "edm"}, ["body", "treatment"], "quotient"),
        ({"smiles": ["CCO"], "sampler": "rk4"}, ["body", "sampler"], "ode"),
        ({"smiles": ["CCO"], "num_samples": 50}, ["num_samples"], "POST /v1/jobs"),
        ({"smiles": [], "num_samples": 1}, ["body", "smiles"], "at least 1"),
    ],
)
def test_bad_conformer_requests_name_the_field(server, payload, field, message):
    with server.client() as client:
        answer = client.post("/v1/conformers", json=payload)
        assert answer.status_code == 422, answer.text
        detail = answer.json()["detail"]
        assert any(d["loc"] == field and message in d["msg"] for d in detail), detail
        assert client.get("/healthz").status_code == 200  # still serving


def test_malformed_json_and_wrong_content_type_are_422(server):
    with server.client() as client:
        broken = client.post(
            "/v1/conformers", content=b'{"smiles": [', headers={"Content-Type": "application/json"}
        )
        assert broken.status_code == 422
        assert "JSON decode error" in broken.text
        text = client.post("/v1/conformers", content=b"CCO", headers={"Content-Type": "text/plain"})
        assert text.status_code == 422


def test_a_nan_in_a_body_is_a_422_naming_the_field(server):
    body = b'{"smiles": ["CCO"], "num_samples": NaN}'
    with server.client() as client:
        answer = client.post(
            "/v1/conformers", content=body, headers={"Content-Type": "application/json"}
        )
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["body", "num_samples"]


def test_job_lifecycle_with_results_in_every_format(server):
    with server.client() as client:
        submitted = client.post(
            "/v1/jobs",
            json={
                "task": "conformers",
                "params": {"smiles": ["CCO", "c1ccncc1"], "num_samples": 3},
            },
        )
        assert submitted.status_code == 202, submitted.text
        job = submitted.json()
        assert submitted.headers["Location"] == f"/v1/jobs/{job['id']}"
        assert job["progress_total"] == 6
        finished = wait_for(client, job["id"])
        assert finished["status"] == "succeeded", finished
        assert finished["progress_done"] == 6
        sdf = client.get(f"/v1/jobs/{job['id']}/results", params={"format": "sdf"})
        assert sdf.headers["content-type"].startswith("chemical/x-mdl-sdfile")
        assert len(_sdf_records(sdf.text)) == 6
        manifest = client.get(f"/v1/jobs/{job['id']}/results", params={"format": "json"}).json()
        assert len(manifest["samples"]) == 6
        archive = zipfile.ZipFile(
            io.BytesIO(
                client.get(f"/v1/jobs/{job['id']}/results", params={"format": "zip"}).content
            )
        )
        assert sorted(archive.namelist()) == ["conformers.sdf", "manifest.json"]
        events = client.get(f"/v1/jobs/{job['id']}/events").text
        assert "event: end" in events
        assert '"status": "succeeded"' in events
        listed = client.get("/v1/jobs", params={"status": "succeeded"}).json()
        assert job["id"] in {j["id"] for j in listed["jobs"]}


def test_idempotency_key_returns_the_first_job(server):
    body = {
        "task": "conformers",
        "params": {"smiles": ["CC"], "num_samples": 1},
        "idempotency_key": "abc-1",
    }
    with server.client() as client:
        first = client.post("/v1/jobs", json=body).json()
        again = client.post("/v1/jobs", json=body).json()
        assert again["id"] == first["id"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/jobs/" + "0" * 32, 404),
        ("/v1/jobs/..%2F..%2Fetc%2Fpasswd", 404),
        ("/v1/jobs/not-a-job-id", 422),
        ("/v1/jobs/" + "0" * 32 + "/results", 404),
    ],
)
def test_unknown_and_path_like_job_ids(server, path, status):
    with server.client() as client:
        assert client.get(path).status_code == status


@pytest.mark.parametrize(
    ("params", "field"),
    [({"offset": 2**64}, "offset"), ({"offset": -1}, "offset"), ({"limit": 0}, "limit")],
)
def test_bad_job_list_pages_are_422_naming_the_parameter(server, params, field):
    with server.client() as client:
        answer = client.get("/v1/jobs", params=params)
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["query", field]
        assert client.get("/v1/jobs", params={"offset": 2**63 - 1}).json()["jobs"] == []


def test_bad_job_submissions_name_the_field(server):
    with server.client() as client:
        unknown_task = client.post("/v1/jobs", json={"task": "proteins", "params": {}})
        assert unknown_task.status_code == 422
        bad_params = client.post(
            "/v1/jobs", json={"task": "conformers", "params": {"smiles": ["CCO"], "num_steps": 0}}
        )
        assert bad_params.status_code == 422
        assert bad_params.json()["detail"][0]["loc"] == ["params", "num_steps"]


def test_results_of_an_unfinished_job_are_409_and_cancel_works(server):
    with server.client() as client:
        slow = {"smiles": ["CCCCCCCCCC"] * 20, "num_samples": 20, "num_steps": 200}
        job = client.post("/v1/jobs", json={"task": "conformers", "params": slow}).json()
        early = client.get(f"/v1/jobs/{job['id']}/results")
        assert early.status_code == 409
        assert "results exist once it has succeeded" in early.json()["detail"]
        assert client.delete(f"/v1/jobs/{job['id']}").status_code == 200
        assert wait_for(client, job["id"], timeout=60)["status"] == "cancelled"
        assert json.loads(client.get(f"/v1/jobs/{job['id']}").text)["status"] == "cancelled"


def test_metrics_and_body_limit(server):
    with server.client() as client:
        client.get("/healthz")
        text = client.get("/metrics").text
        assert 'qsdiff_jobs{status="succeeded"}' in text
        assert "qsdiff_queue_depth" in text
        assert "qsdiff_samples_completed_total" in text
        assert 'qsdiff_request_seconds_count{method="GET",route="/healthz",status="200"}' in text
        huge = client.post(
            "/v1/conformers", content=b"x" * (9 << 20), headers={"Content-Type": "application/json"}
        )
        assert huge.status_code == 413
        assert "the limit is" in huge.json()["detail"]
