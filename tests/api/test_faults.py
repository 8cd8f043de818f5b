"""Nothing is lost: a killed worker, a restarted server (SQLite and PostgreSQL); overload is
refused with Retry-After."""

import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import psutil
from rdkit import Chem

from tests.api.conftest import start_server, stop_server, wait_for

WORK = {"smiles": ["CCCCCCO", "c1ccccc1CCN", "CC(C)CC(=O)O"], "num_samples": 10, "num_steps": 100}


def _workers(server) -> list[psutil.Process]:
    """The server's worker processes (started with multiprocessing's spawn)."""
    children = psutil.Process(server.process.pid).children(recursive=True)
    return [p for p in children if "spawn" in " ".join(p.cmdline())]


def _wait_running(client, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get(f"/v1/jobs/{job_id}").json()["status"] == "running":
            return
        time.sleep(0.1)
    raise TimeoutError("job never started")


def test_killed_worker_mid_job_completes_once(tmp_path, database_url):
    server = start_server(tmp_path, database_url=database_url)
    try:
        with server.client() as client:
            job = client.post("/v1/jobs", json={"task": "conformers", "params": WORK}).json()
            _wait_running(client, job["id"])
            victims = _workers(server)
            assert victims
            for victim in victims:
                victim.kill()
            done = wait_for(client, job["id"], timeout=180)
            assert done["status"] == "succeeded", done
            assert done["attempts"] == 2
            sdf = client.get(f"/v1/jobs/{job['id']}/results").text
            metrics = client.get("/metrics").text.splitlines()
            assert f"qsdiff_worker_restarts_total {float(len(victims))}" in metrics
        supplier = Chem.SDMolSupplier()
        supplier.SetData(sdf, removeHs=False)
        records = [(r.GetProp("name"), r.GetIntProp("conformer_index")) for r in supplier]
        assert len(records) == len(set(records)) == 30  # every sample once, no duplicates
    finally:
        stop_server(server)


def test_ctrl_c_is_left_to_the_server_not_counted_as_a_worker_crash(tmp_path):
    """A terminal's Ctrl-C reaches the workers too; they leave stopping to the server."""
    server = start_server(tmp_path)
    try:
        with server.client() as client:
            job = client.post("/v1/jobs", json={"task": "conformers", "params": WORK}).json()
            _wait_running(client, job["id"])  # the worker is past its start-up
            (worker,) = _workers(server)
            worker.send_signal(signal.SIGINT)
            done = wait_for(client, job["id"], timeout=180)
            assert worker.is_running()
            assert (done["status"], done["attempts"]) == ("succeeded", 1), done
            metrics = client.get("/metrics").text.splitlines()
            assert "qsdiff_worker_restarts_total 0.0" in metrics
    finally:
        stop_server(server)


def test_jobs_survive_a_server_restart(tmp_path, database_url):
    server = start_server(tmp_path, database_url=database_url)
    with server.client() as client:
        ids = [
            client.post("/v1/jobs", json={"task": "conformers", "params": WORK}).json()["id"]
            for _ in range(3)
        ]
        _wait_running(client, ids[0])
    stop_server(server)
    server = start_server(tmp_path, database_url=database_url)
    try:
        with server.client() as client:
            finished = [wait_for(client, job_id, timeout=240) for job_id in ids]
        assert [j["status"] for j in finished] == ["succeeded"] * 3
    finally:
        stop_server(server)


def test_a_full_queue_answers_503_with_retry_after(tmp_path):
    server = start_server(tmp_path, workers=0, max_queued_jobs="2")
    try:
        with server.client() as client:
            body = {"task": "conformers", "params": {"smiles": ["CCO"], "num_samples": 1}}
            assert [client.post("/v1/jobs", json=body).status_code for _ in range(2)] == [202, 202]
            full = client.post("/v1/jobs", json=body)
            assert full.status_code == 503
            assert full.headers["Retry-After"] == "30"
            assert "queue is full" in full.json()["detail"]
    finally:
        stop_server(server)


def test_inline_requests_beyond_the_queue_or_the_time_limit_are_refused(tmp_path):
    server = start_server(tmp_path, workers=0, max_sync_pending="1", sync_timeout_seconds="1")
    heavy = {"smiles": ["C" * 20], "num_samples": 20, "num_steps": 200}

    def post(_: int) -> httpx.Response:
        with server.client() as client:
            return client.post("/v1/conformers", json=heavy)

    try:
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(post, range(6)))
        codes = sorted(a.status_code for a in answers)
        assert set(codes) == {429, 503}, codes
        assert all(a.headers["Retry-After"] == "5" for a in answers)
        assert any("inline requests are waiting" in a.json()["detail"] for a in answers)
        assert any("not finished within 1 s" in a.json()["detail"] for a in answers)
        # the refused heavy request may still be computing (more so on a busy machine):
        # a small one is served once it is done, as a client honouring Retry-After sees
        deadline = time.monotonic() + 120
        with server.client() as client:
            while True:
                small = client.post("/v1/conformers", json={"smiles": ["CO"], "num_steps": 2})
                if small.status_code not in (429, 503) or time.monotonic() > deadline:
                    break
                time.sleep(1)
            assert small.status_code == 200, small.text
    finally:
        stop_server(server)


def test_api_keys_guard_every_route_but_health_and_scope_jobs(tmp_path):
    server = start_server(tmp_path, workers=0, api_keys="key-a,key-b")
    try:
        with server.client() as client:
            assert client.get("/healthz").status_code == 200
            assert client.get("/v1/models").status_code == 401
            wrong = client.get("/v1/jobs", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            assert "API key is required" in wrong.json()["detail"]
            a = {"Authorization": "Bearer key-a"}
            b = {"Authorization": "Bearer key-b"}
            body = {"task": "conformers", "params": {"smiles": ["CCO"], "num_samples": 1}}
            job = client.post("/v1/jobs", json=body, headers=a).json()
            assert client.get(f"/v1/jobs/{job['id']}", headers=a).status_code == 200
            assert client.get(f"/v1/jobs/{job['id']}", headers=b).status_code == 404
            assert client.delete(f"/v1/jobs/{job['id']}", headers=b).status_code == 404
            assert client.get("/v1/jobs", headers=b).json()["total"] == 0
            assert client.get("/v1/jobs", headers=a).json()["total"] == 1
    finally:
        stop_server(server)
