"""The shared-server fault and abuse run (slow suite): a flooding key, two small users, SIGTERM.

Run once per change of the limits and reported in the closing note:
``pytest -m slow tests/api/test_abuse.py -s`` prints the small users' latencies and what
became of every job as JSON.

Settings are the defaults with keys on, except the flood key's queue: one 600-conformer job
takes about 4 minutes of a loaded 2-core machine, so ``MAX_QUEUED_JOBS_PER_KEY=2`` keeps the
backlog that must drain after the restart to a few jobs (the flood still meets its 429).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime

import httpx
import numpy as np
import pytest

from tests.api.conftest import start_server, stop_server, wait_for

KEYS = {"flood": "key-flood", "small-1": "key-small-1", "small-2": "key-small-2"}
FLOOD_SECONDS = 60
FLOOD_JOB = {  # 600 drug-like conformers
    "task": "conformers",
    "params": {"smiles": ["CC(C)Cc1ccc(C(C)C(=O)O)cc1"] * 6, "num_samples": 100},
}
SETTINGS = {"api_keys": ",".join(KEYS.values()), "max_queued_jobs_per_key": "2"}
FINISHED = ("succeeded", "failed", "cancelled")


def _auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[name]}"}


def _client(server, name: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=_auth(name), timeout=120)


def _jobs(server, name: str) -> dict[str, dict]:
    """Every job of key ``name``, by id."""
    with _client(server, name) as client:
        return {job["id"]: job for job in client.get("/v1/jobs?limit=500").json()["jobs"]}


def _wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(1)


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_a_flooding_key_neither_starves_nor_breaks_the_others(tmp_path):
    server = start_server(tmp_path, workers=1, **SETTINGS)
    stop = threading.Event()
    flood_answers: list[int] = []
    accepted: list[str] = []  # ids of the flood's jobs the server took (202)

    def flood() -> None:  # the flood's jobs, as fast as it can send them
        with _client(server, "flood") as client:
            while not stop.is_set():
                answer = client.post("/v1/jobs", json=FLOOD_JOB)
                flood_answers.append(answer.status_code)
                if answer.status_code == 202:
                    accepted.append(answer.json()["id"])

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
            small_job = wait_for(client, job.json()["id"], timeout=600)
        assert small_job["status"] == "succeeded"
        stop.set()
        flooder.join()
        before = _jobs(server, "flood")
        assert sorted(before) == sorted(accepted)  # every 202 is a job, and only those
        waiting = [j for j in before.values() if j["status"] == "queued"]
        assert waiting  # the small job did not wait for the flood to drain

        def flood_running() -> list[str]:
            jobs = _jobs(server, "flood").values()
            return [job["id"] for job in jobs if job["status"] == "running"]

        _wait_until(flood_running, 120, "a flood job running")
        running = flood_running()
        stop_server(server)  # SIGTERM while a flood job runs: finished or handed back
        server = start_server(tmp_path, workers=1, **SETTINGS)
        after_restart = _jobs(server, "flood")
        in_grace = [i for i in running if after_restart[i]["status"] == "succeeded"]
        requeued = [i for i in running if after_restart[i]["status"] in ("queued", "running")]
        drained = time.monotonic()
        _wait_until(
            lambda: all(j["status"] in FINISHED for j in _jobs(server, "flood").values()),
            2400,
            "every flood job finished after the restart",
        )
        final = _jobs(server, "flood")
        succeeded = [i for i, j in final.items() if j["status"] == "succeeded"]
        report = {
            "small_requests": len(latencies),
            "small_errors": len(errors),
            "small_p50_s": round(float(np.percentile(latencies, 50)), 3),
            "small_p99_s": round(float(np.percentile(latencies, 99)), 3),
            "small_job_s": round(_seconds(small_job), 1),
            "flood_answers": {str(c): flood_answers.count(c) for c in sorted(set(flood_answers))},
            "flood_jobs_accepted": len(accepted),
            "flood_jobs_running_at_sigterm": len(running),
            "finished_within_grace": len(in_grace),
            "requeued_at_sigterm": len(requeued),
            "requeued_then_succeeded": sum(final[i]["status"] == "succeeded" for i in requeued),
            "flood_jobs_succeeded": len(succeeded),
            "flood_jobs_lost": len(accepted) - len(succeeded),
            "max_attempts_used": max(j["attempts"] for j in final.values()),
            "drain_after_restart_s": round(time.monotonic() - drained),
        }
        print(json.dumps(report))
        assert errors == []
        assert 429 in flood_answers  # the flood hit its per-key limit
        assert len(in_grace) + len(requeued) == len(running)  # none failed at the SIGTERM
        assert sorted(final) == sorted(accepted)  # nothing lost, nothing extra
        assert sorted(succeeded) == sorted(accepted)  # every job finished, requeued ones too
        assert report["max_attempts_used"] == 1  # a SIGTERM does not use up an attempt
    finally:
        stop.set()
        stop_server(server)


def _seconds(job: dict) -> float:
    """From submission to finish, in seconds (the API's ISO 8601 times)."""
    finished = datetime.fromisoformat(job["finished_at"])
    return (finished - datetime.fromisoformat(job["created_at"])).total_seconds()
