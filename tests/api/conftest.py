"""A real qsdiff server (uvicorn in a subprocess, real SQLite, one worker) for the API tests."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from bench.server import RunningServer, stop_server
from bench.server import start_server as _start


def start_server(state_dir, workers: int = 1, **settings: str) -> RunningServer:
    """A server with short leases, so that lost workers are noticed within seconds."""
    return _start(state_dir, workers, lease_seconds="5", **settings)


__all__ = ["start_server", "stop_server", "wait_for"]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("qsdiff-state"))
    yield running
    stop_server(running)


def wait_for(client: httpx.Client, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.2)
    raise TimeoutError(f"job {job_id} did not finish in {timeout} s")
