"""A real qsdiff server (uvicorn in a subprocess, real SQLite, one worker) for the API tests."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.server import RunningServer, stop_server
from bench.server import start_server as _start


def start_server(
    state_dir, workers: int = 1, temp_dir: Path | None = None, **settings: str
) -> RunningServer:
    """A server with short leases, so that lost workers are noticed within seconds.

    ``temp_dir``: the server's ``TMPDIR`` (:func:`assert_untouched` checks that it stays so).
    """
    with pytest.MonkeyPatch.context() as patch:
        if temp_dir is not None:
            patch.setenv("TMPDIR", str(temp_dir))
        return _start(state_dir, workers, lease_seconds="5", **settings)


@contextlib.contextmanager
def assert_untouched(folder: Path) -> Iterator[None]:
    """Fail if anything is created in (or removed from) ``folder`` inside the block."""
    before = sorted(folder.iterdir()), folder.stat().st_mtime_ns
    yield
    assert (sorted(folder.iterdir()), folder.stat().st_mtime_ns) == before, f"{folder} changed"


__all__ = ["assert_untouched", "start_server", "stop_server", "wait_for"]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[RunningServer]:
    """Its ``TMPDIR`` is ``state_dir / "tmp"``."""
    state = tmp_path_factory.mktemp("qsdiff-state")
    (state / "tmp").mkdir()
    running = start_server(state, temp_dir=state / "tmp")
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
