"""Start and stop a real ``qsdiff serve`` subprocess on a free loopback port.

Used by the load benchmark and by the API tests, so both exercise exactly what users run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["RunningServer", "start_server", "stop_server"]


@dataclass
class RunningServer:
    """A server process, its URL and its state folder (job database, results, log)."""

    url: str
    state_dir: Path
    process: subprocess.Popen

    def client(self) -> httpx.Client:
        """An HTTP client for this server."""
        return httpx.Client(base_url=self.url, timeout=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    state_dir: Path, workers: int = 1, wait_for: str = "/healthz", **settings: str
) -> RunningServer:
    """Start ``qsdiff serve``; ``settings`` become ``QSDIFF_*`` variables of the server.

    Returns once ``wait_for`` answers 200 (``/readyz`` also waits for models and workers).
    """
    port = _free_port()
    env = {**os.environ, "QSDIFF_STATE_DIR": str(state_dir)}
    env |= {f"QSDIFF_{key.upper()}": value for key, value in settings.items()}
    log = (state_dir / "server.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port),
         "--cpu-workers", str(workers)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240  # generous: a loaded 2-core machine imports slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}{wait_for}", timeout=1).status_code == 200:
                return RunningServer(url, state_dir, process)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start; see {state_dir / 'server.log'}")


def stop_server(server: RunningServer) -> None:
    """Terminate the server (its workers stop with it) and wait for it."""
    server.process.terminate()
    try:
        server.process.wait(timeout=40)  # the workers drain first
    except subprocess.TimeoutExpired:
        server.process.kill()
