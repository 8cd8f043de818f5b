"""A hostile or careless client against a real server with API keys on (the shared setting)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from service.config import Settings
from service.jobs.records import JobRow, utc_now
from service.jobs.store import JobStore
from tests.api.conftest import start_server, stop_server, wait_for

KEY = "key-hardening"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("keyed"), workers=0, api_keys=KEY)
    yield running
    stop_server(running)


def _chunks(total: int, size: int = 1 << 16):
    sent = 0
    while sent < total:
        yield b" " * size
        sent += size


def test_a_chunked_body_past_the_limit_is_413_before_authentication(keyed):
    with keyed.client() as client:
        answer = client.post(  # a generator body goes out chunked: no Content-Length
            "/v1/conformers",
            content=_chunks(20 << 20),
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 413
        assert "the limit is" in answer.json()["detail"]
        assert client.get("/healthz").status_code == 200


def test_non_ascii_and_malformed_credentials_are_401(keyed):
    with keyed.client() as client:
        for value in ("Bearer kéy-ünïcode".encode(), b"Bearer \xff\xfe", b"Basic abc"):
            answer = client.get("/v1/models", headers={"Authorization": value})
            assert answer.status_code == 401, answer.text


@pytest.mark.parametrize("path", ["/metrics", "/docs", "/openapi.json"])
def test_metrics_docs_and_schema_need_the_key(keyed, path):
    with keyed.client() as client:
        assert client.get(path).status_code == 401
        assert client.get(path, headers=AUTH).status_code == 200


def test_molecule_inputs_that_once_crashed_the_server_are_422(keyed):
    with keyed.client() as client:
        chain = client.post("/v1/conformers", json={"smiles": ["C" * 20_000]}, headers=AUTH)
        assert chain.status_code == 422
        assert "the limit is 2000" in chain.text
        long_molecule = client.post("/v1/conformers", json={"smiles": ["C" * 1500]}, headers=AUTH)
        assert long_molecule.status_code == 422
        assert "the limit is 256" in long_molecule.text
        surrogate = client.post(
            "/v1/conformers",
            content=b'{"smiles": ["\\ud800"]}',
            headers={**AUTH, "Content-Type": "application/json"},
        )
        assert surrogate.status_code == 422
        assert "not valid text" in surrogate.text
        assert client.get("/healthz").status_code == 200  # still up


def test_an_aux_fit_goes_through_the_job_checks_and_the_queue_cap(tmp_path):
    server = start_server(tmp_path, workers=0, max_queued_jobs="2")
    try:
        with server.client() as client:
            defaults = client.post("/v1/aux/ebc/fit", json={})
            assert defaults.status_code == 202, defaults.text  # every field has a default
            assert defaults.json()["progress_total"] == 15_000
            assert client.post("/v1/aux/ebc/fit", json={"steps": 10}).status_code == 202
            full = client.post("/v1/aux/ebc/fit", json={"steps": 10})
            assert full.status_code == 503
            assert "queue is full" in full.json()["detail"]
    finally:
        stop_server(server)


def test_ten_thousand_smiles_inline_are_refused_before_any_chemistry(keyed):
    body = {"smiles": ["c1ccccc1CCN"] * 10_000, "num_samples": 1}
    with keyed.client() as client:
        answer = client.post("/v1/conformers", json=body, headers=AUTH)
        assert answer.status_code == 422
        assert "submit it with POST /v1/jobs" in answer.text
        assert answer.elapsed.total_seconds() < 5  # parsing 10,000 SMILES took ~7 s


def test_event_streams_are_bounded_per_key(tmp_path):
    server = start_server(tmp_path, workers=0, api_keys=KEY, max_streams_per_key="2")
    try:
        with server.client() as client:
            body = {"task": "conformers", "params": {"smiles": ["CCO"], "num_samples": 1}}
            job = client.post("/v1/jobs", json=body, headers=AUTH).json()
            url = f"/v1/jobs/{job['id']}/events"
            with (
                client.stream("GET", url, headers=AUTH) as first,
                client.stream("GET", url, headers=AUTH) as second,
            ):
                assert (first.status_code, second.status_code) == (200, 200)
                third = client.get(url, headers=AUTH)
                assert third.status_code == 429
                assert "event streams are open" in third.text
    finally:
        stop_server(server)


def _conformers(samples: int, molecules: int = 1) -> dict:
    """A job of ethanol conformers: 9 atoms with H x 10 steps, so 90 work units a conformer."""
    params = {"smiles": ["CCO"] * molecules, "num_samples": samples, "num_steps": 10}
    return {"task": "conformers", "params": params}


def test_work_is_counted_in_work_units_per_job_per_queue_and_per_hour(tmp_path):
    server = start_server(
        tmp_path,
        workers=0,
        api_keys=f"{KEY},other",
        max_job_cost="1000",
        max_queued_cost_per_key="2000",
        max_cost_per_key_per_hour="3000",
        max_queued_jobs_per_key="3",
    )
    try:
        with server.client() as client:
            answer = client.post("/v1/jobs", json=_conformers(100, molecules=11), headers=AUTH)
            assert answer.status_code == 422
            assert "this job costs 99,000 work units; the limit per job is 1,000" in answer.text
            for _ in range(2):  # 900 units each: 1,800 waiting
                assert (
                    client.post("/v1/jobs", json=_conformers(10), headers=AUTH).status_code == 202
                )
            queue_over = client.post("/v1/jobs", json=_conformers(10), headers=AUTH)
            assert queue_over.status_code == 429
            assert queue_over.headers["Retry-After"] == "30"
            assert "1,800 work units waiting" in queue_over.text
            assert client.post("/v1/jobs", json=_conformers(1), headers=AUTH).status_code == 202
            count_over = client.post("/v1/jobs", json=_conformers(1), headers=AUTH)
            assert count_over.status_code == 429
            assert "3 jobs of this key are waiting" in count_over.text
            for job in client.get("/v1/jobs", headers=AUTH).json()["jobs"]:
                assert client.delete(f"/v1/jobs/{job['id']}", headers=AUTH).status_code == 200
            assert client.post("/v1/jobs", json=_conformers(10), headers=AUTH).status_code == 202
            hourly = client.post("/v1/jobs", json=_conformers(10), headers=AUTH)
            assert hourly.status_code == 429  # cancelled jobs still count in the hour they came
            assert "2,790 work units in the last hour" in hourly.text
            assert "limit of 3,000 per hour" in hourly.text
            assert 3000 < int(hourly.headers["Retry-After"]) <= 3600  # when the first one leaves
            other = {"Authorization": "Bearer other"}
            assert client.post("/v1/jobs", json=_conformers(10), headers=other).status_code == 202
    finally:
        stop_server(server)


def _finished_job(store, results, days_ago: float) -> str:
    """A succeeded conformer job with a result file, finished ``days_ago`` days ago."""
    job, _ = store.submit("conformers", {}, total=1)
    store.lease("elsewhere")
    folder = results / job.id

    def publish() -> None:
        folder.mkdir(parents=True)
        (folder / "conformers.sdf").write_text("$$$$\n")

    store.succeed(job.id, "elsewhere", str(folder), publish)
    with store.engine.begin() as connection:
        finished = utc_now() - timedelta(days=days_ago)
        connection.execute(update(JobRow).where(JobRow.id == job.id).values(finished_at=finished))
    return job.id


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    """A server whose jobs stop after 8 s, started on a store with jobs of last month."""
    state = tmp_path_factory.mktemp("limited")
    settings = Settings(state_dir=state)
    store = JobStore(settings.job_database_url)
    jobs = {
        "old": _finished_job(store, settings.results_dir, days_ago=30),
        "recent": _finished_job(store, settings.results_dir, days_ago=6),
    }
    running, _ = store.submit("conformers", {}, total=1)
    store.lease("elsewhere", seconds=3600)  # started, on another machine, for a long time
    jobs["running"] = running.id
    store.engine.dispose()
    server = start_server(state, workers=1, max_job_seconds="8", retention_hours="168")
    yield server, jobs
    stop_server(server)


def test_finished_jobs_past_the_retention_are_deleted_with_their_files(limited):
    server, jobs = limited
    results = server.state_dir / "results"
    with server.client() as client:
        deadline = time.monotonic() + 120
        while client.get(f"/v1/jobs/{jobs['old']}").status_code != 404:  # the worker purges
            assert time.monotonic() < deadline, "the finished job of last month is still there"
            time.sleep(0.2)
        assert client.get(f"/v1/jobs/{jobs['old']}/results").status_code == 404
        assert not (results / jobs["old"]).exists()
        assert client.get(f"/v1/jobs/{jobs['recent']}/results?format=sdf").text == "$$$$\n"
        assert client.get(f"/v1/jobs/{jobs['running']}").json()["status"] == "running"


def test_a_job_stopped_at_the_wall_clock_limit_keeps_what_it_finished(limited):
    server, _ = limited
    body = _conformers(100, molecules=100)  # 10,000 conformers: far more than 8 s of work,
    body["params"] |= {"start": "noise", "relax": "none", "num_steps": 2}  # in packs of 71
    with server.client() as client:
        warm_up = client.post("/v1/jobs", json=_conformers(1) | {"params": {"smiles": ["C"]}})
        wait_for(client, warm_up.json()["id"])  # the worker has loaded the model: 8 s to sample
        job = wait_for(client, client.post("/v1/jobs", json=body).json()["id"])
        done = job["progress_done"]
        assert job["status"] == "failed"
        assert 0 < done < 10_000, job
        assert f"after {done} of 10000 samples; its results hold those {done}" in job["error"]
        sdf = client.get(f"/v1/jobs/{job['id']}/results?format=sdf")
        assert sdf.status_code == 200
        assert sdf.text.count("$$$$") == done
        manifest = client.get(f"/v1/jobs/{job['id']}/results?format=json").json()
        assert len(manifest["samples"]) == done
