"""The CLI as a client of a running server: submit jobs, follow their events, download.

Large inputs are split into jobs of a bounded size; each job's progress streams from
``/v1/jobs/{id}/events`` into one progress bar, and the results are concatenated in input
order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

__all__ = ["ServerError", "run_conformer_jobs", "run_jobs"]


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


def run_jobs(
    server: str,
    task: str,
    chunks: list[dict],
    outputs: dict[str, Path],
    progress: Callable[[int], None],
    *,
    api_key: str | None = None,
) -> int:
    """Run one ``task`` job per parameter chunk; returns the samples finished.

    Each format's results are concatenated into ``outputs[format]`` in chunk order. A format
    a job did not produce is skipped; output files are only created when some job produced
    them.
    """
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    done = 0
    with httpx.Client(base_url=server, headers=headers, timeout=60) as client:
        job_ids = [
            _check(client.post("/v1/jobs", json={"task": task, "params": chunk})).json()["id"]
            for chunk in chunks
        ]
        texts: dict[str, list[str]] = {fmt: [] for fmt in outputs}
        for job_id in job_ids:
            reported = 0
            for event, data in _events(client, job_id):
                if event == "progress":
                    progress(data["progress_done"] - reported)
                    reported = data["progress_done"]
                elif event == "end" and data["status"] != "succeeded":
                    job = _check(client.get(f"/v1/jobs/{job_id}")).json()
                    raise ServerError(f"job {job_id} {data['status']}: {job['error']}")
            done += _check(client.get(f"/v1/jobs/{job_id}")).json()["progress_total"]
            for fmt in outputs:
                response = client.get(f"/v1/jobs/{job_id}/results", params={"format": fmt})
                if response.status_code != 404:
                    texts[fmt].append(_check(response).text)
    for fmt, path in outputs.items():
        if texts[fmt]:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(texts[fmt]))
    return done


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
    """Submit ``smiles`` in jobs of ``chunk`` molecules, write one SDF; returns records written."""
    chunks = [
        {**params, "smiles": smiles[start : start + chunk]}
        for start in range(0, len(smiles), chunk)
    ]
    run_jobs(server, "conformers", chunks, {"sdf": output}, progress, api_key=api_key)
    return output.read_text().count("$$$$") if output.is_file() else 0
