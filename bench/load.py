"""``qsdiff bench load``: a bounded load test of a real server on loopback.

Starts ``qsdiff serve`` in a subprocess (its own state folder), then for ``--seconds`` runs
``--clients`` concurrent clients that post small sync conformer requests back to back, plus one
job submission every ``--job-every`` seconds. Reports requests per second, latency percentiles,
answers by status (429/503 are deliberate refusals, anything else non-2xx is an error), samples
per second, and whether every accepted job finished. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np

from bench.server import start_server, stop_server

__all__ = ["main"]

SMILES = ["CCO", "CC(=O)N", "c1ccncc1", "CC(C)O", "OCC#N", "C1CCOC1"]
REFUSALS = {429, 503}


async def _client(http: httpx.AsyncClient, stop: float, i: int, out: dict) -> None:
    k = 0
    while time.monotonic() < stop:
        body = {"smiles": [SMILES[(i + k) % len(SMILES)]], "num_samples": 1, "num_steps": 10}
        start = time.perf_counter()
        try:
            response = await http.post("/v1/conformers", json=body)
            out["status"][response.status_code] += 1
            if response.status_code == 200:
                out["latency"].append(time.perf_counter() - start)
                out["samples"] += 1
                out["batch_requests"].append(response.json()["batch_requests"])
        except httpx.HTTPError as e:
            out["status"][type(e).__name__] += 1
        k += 1


async def _jobs(http: httpx.AsyncClient, stop: float, every: float, out: dict) -> None:
    while time.monotonic() < stop:
        body = {"task": "conformers", "params": {"smiles": SMILES[:2], "num_samples": 2}}
        response = await http.post("/v1/jobs", json=body)
        if response.status_code == 202:
            out["jobs"].append(response.json()["id"])
        else:
            out["status"][f"jobs:{response.status_code}"] += 1
        await asyncio.sleep(every)


async def _load(url: str, clients: int, seconds: float, job_every: float) -> dict:
    out: dict = {"status": Counter(), "latency": [], "samples": 0, "jobs": [], "batch_requests": []}
    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        stop = time.monotonic() + seconds
        started = time.perf_counter()
        await asyncio.gather(
            *(_client(http, stop, i, out) for i in range(clients)),
            _jobs(http, stop, job_every, out),
        )
        out["elapsed"] = time.perf_counter() - started
    return out


def _wait_jobs(url: str, ids: list[str], timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    states: Counter[str] = Counter()
    with httpx.Client(base_url=url, timeout=30) as http:
        for job_id in ids:
            while True:
                status = http.get(f"/v1/jobs/{job_id}").json()["status"]
                if status in ("succeeded", "failed", "cancelled") or time.monotonic() > deadline:
                    states[status] += 1
                    break
                time.sleep(0.2)
    return dict(states)


def main(argv: list[str] | None = None) -> int:
    """Run the load test and print one JSON report."""
    parser = argparse.ArgumentParser(prog="qsdiff bench load", description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--job-every", type=float, default=2.0, help="seconds between jobs")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--json", action="store_true", help="(the report is always JSON)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qsdiff-load-") as folder:
        server = start_server(Path(folder), args.workers, wait_for="/readyz")
        try:
            result = asyncio.run(_load(server.url, args.clients, args.seconds, args.job_every))
            jobs = _wait_jobs(server.url, result["jobs"], timeout=600)
        finally:
            stop_server(server)
    latency = np.array(result["latency"]) if result["latency"] else np.array([np.nan])
    statuses = {str(k): v for k, v in result["status"].items()}
    errors = sum(
        v for k, v in result["status"].items()
        if not (isinstance(k, int) and (200 <= k < 300 or k in REFUSALS))
    )  # fmt: skip
    report = {
        "benchmark": "load",
        "clients": args.clients,
        "seconds": round(result["elapsed"], 2),
        "server_workers": args.workers,
        "requests_per_second": sum(result["status"].values()) / result["elapsed"],
        "latency_seconds": {f"p{q}": float(np.percentile(latency, q)) for q in (50, 95, 99)},
        "answers": statuses,
        "errors": errors,
        "sync_samples_per_second": result["samples"] / result["elapsed"],
        "inline_batch_requests_mean": float(np.mean(result["batch_requests"] or [np.nan])),
        "jobs_accepted": len(result["jobs"]),
        "jobs_finished": jobs,
        "all_jobs_succeeded": jobs.get("succeeded", 0) == len(result["jobs"]),
    }
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0 if errors == 0 and report["all_jobs_succeeded"] else 1
