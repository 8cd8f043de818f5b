"""The shared-server fault and abuse run (slow suite): a flooding key, two small users, SIGTERM.

Run once per change of the limits and reported in the closing note:
``pytest -m slow tests/api/test_abuse.py -s`` prints the small users' latencies as JSON.
"""

from __future__ import annotations

import json
import threading
import time

import httpx
import numpy as np
import pytest

from tests.api.conftest import start_server, stop_server, wait_for

KEYS = {"flood": "key-flood", "small-1": "key-small-1", "small-2": "key-small-2"}
FLOOD_SECONDS = 60


def _auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[name]}"}


def _client(server, name: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=_auth(name), timeout=120)


@pytest.mark.slow
def test_a_flooding_key_neither_starves_nor_breaks_the_others(tmp_path):
    server = start_server(tmp_path, workers=1, api_keys=",".join(KEYS.values()))
    stop = threading.Event()
    flood_answers: list[int] = []

    def flood() -> None:  # jobs of 600 drug-like conformers, as fast as it can send them
        big = {"smiles": ["CC(C)Cc1ccc(C(C)C(=O)O)cc1"] * 6, "num_samples": 100}
        with server.client() as client:
            while not stop.is_set():
                answer = client.post(
                    "/v1/jobs",
                    json={"task": "conformers", "params": big},
                    headers=_auth("flood"),
                )
                flood_answers.append(answer.status_code)

    latencies, errors = [], []
    try:
        flooder = threading.Thread(target=flood)
        flooder.start()
        deadline = time.monotonic() + FLOOD_SECONDS
        with server.client() as client:
            while time.monotonic() < deadline:
                for name in ("small-1", "small-2"):
                    start = time.perf_counter()
                    answer = client.post(
                        "/v1/conformers",
                        json={"smiles": ["CCO"], "num_samples": 1},
                        headers=_auth(name),
                    )
                    latencies.append(time.perf_counter() - start)
                    if answer.status_code != 200:
                        errors.append(answer.status_code)
                time.sleep(1)
        small = {"smiles": ["CCO"], "num_samples": 2}
        with _client(server, "small-2") as client:  # one small job while the flood waits
            job = client.post("/v1/jobs", json={"task": "conformers", "params": small})
            assert job.status_code == 202, job.text
            finished = wait_for(client, job.json()["id"], timeout=300)
        assert finished["status"] == "succeeded"
        stop.set()
        flooder.join()
        with _client(server, "flood") as client:
            waiting = client.get("/v1/jobs?status=queued&limit=1").json()["total"]
        assert waiting > 0  # the small job did not wait for the flood to drain
        stop_server(server)  # SIGTERM while a flood job runs: handed back, not failed
        server = start_server(tmp_path, workers=0, api_keys=",".join(KEYS.values()))
        with _client(server, "flood") as client:
            flood_jobs = client.get("/v1/jobs?limit=500").json()["jobs"]
        lost = [j["id"] for j in flood_jobs if j["status"] == "failed"]
        requeued = [j for j in flood_jobs if j["status"] == "queued" and j["error"] is None]
        report = {
            "small_requests": len(latencies),
            "small_errors": len(errors),
            "small_p50_s": round(float(np.percentile(latencies, 50)), 3),
            "small_p99_s": round(float(np.percentile(latencies, 99)), 3),
            "flood_answers": {str(c): flood_answers.count(c) for c in sorted(set(flood_answers))},
            "flood_jobs": len(flood_jobs),
            "flood_jobs_failed": len(lost),
            "flood_jobs_queued_after_restart": len(requeued),
        }
        print(json.dumps(report))
        assert errors == []
        assert lost == []
        assert 429 in flood_answers  # the flood hit its per-key limit
    finally:
        stop.set()
        stop_server(server)
