"""The CLI as a client of a running server: submit jobs, follow their events, download.

Large inputs are split into jobs of at most ``chunk`` molecules; each job's progress streams
from ``/v1/jobs/{id}/events`` into one progress bar, and the SDF results are concatenated in
input order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

__all__ = ["ServerError", "run_conformer_jobs"]


class ServerError(RuntimeError):
    """The server refused a request or a job failed; the message is the server's."""


def _events(client: httpx.Client, job_id: str) -> Iterator[tuple[str, dict]]:
    with client.stream("GET", f"/v1/jobs/{job_id}/events", timeout=None) as response:
        response.raise_for_status()
        event = "message"
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                yield event, json.loads(line.split(":", 1)[1])


def _check(response: httpx.Response) -> httpx.Response:
    if response.is_error:
        try:
            detail = response.json().get("detail")
        except ValueError:
            detail = response.text
        raise ServerError(f"{response.status_code}: {detail}")
    return response


def run_conformer_jobs(
    server: str,
    smiles: list[str],
    params: dict,
    output: Path,
    progress: Callable[[int], None],
    *,
    chunk: int = 1000,
    api_key: str | None = None,
) -> int:
    """Submit ``smiles`` in chunks, wait for every job, write one SDF; returns records written."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    written = 0
    with httpx.Client(base_url=server, headers=headers, timeout=60) as client:
        job_ids = []
        for start in range(0, len(smiles), chunk):
            body = {
                "task": "conformers",
                "params": {**params, "smiles": smiles[start : start + chunk]},
            }
            job_ids.append(_check(client.post("/v1/jobs", json=body)).json()["id"])
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w") as sdf:
            for job_id in job_ids:
                reported = 0
                for event, data in _events(client, job_id):
                    if event == "progress":
                        progress(data["progress_done"] - reported)
                        reported = data["progress_done"]
                    elif event == "end" and data["status"] != "succeeded":
                        job = _check(client.get(f"/v1/jobs/{job_id}")).json()
                        raise ServerError(f"job {job_id} {data['status']}: {job['error']}")
                text = _check(
                    client.get(f"/v1/jobs/{job_id}/results", params={"format": "sdf"})
                ).text
                sdf.write(text)
                written += text.count("$$$$")
    return written
