"""Scratch folders: one per job and worker, and the sweep that removes those crashed workers left.

A worker writes a job's files into ``results_dir / .<job id>.<worker token>.tmp`` (the token is
the random last part of the worker's identity, ``LABEL@HOST:PID:TOKEN``) and moves them into
place when the job succeeds; whatever else becomes of the job, the worker removes the folder
itself. A worker that crashed (killed, out of memory, its machine lost) leaves its folders
behind, and every worker sweeps them away with the retention pass (:func:`purge_stale_scratch`).

A folder is kept while its job is running under the lease of the worker that made it, expired
or not (a paused worker may resume and still hold it), and while it is younger than a lease (a
worker that has just leased a job is creating it). Any other folder no longer belongs to a live
run: its job finished, went back to the queue, was taken over by another worker, or is gone.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.jobs.records import JobRow, JobStatus
from service.jobs.store import JobStore

__all__ = ["purge_stale_scratch", "scratch_dir", "worker_token"]

_NAME = re.compile(r"^\.(?P<job>[0-9a-f]{32})\.(?P<token>[0-9a-f]+)\.tmp$")
_QUERY_BATCH = 500  # job ids one query asks about


def worker_token(identity: str) -> str:
    """The random token that ends a worker identity (``LABEL@HOST:PID:TOKEN``)."""
    return identity.rsplit(":", 1)[-1]


def scratch_dir(results_dir: Path, job_id: str, token: str) -> Path:
    """The scratch folder of job ``job_id`` under the worker of ``token`` (no other's)."""
    return results_dir / f".{job_id}.{token}.tmp"


def purge_stale_scratch(store: JobStore, results_dir: Path, min_age_seconds: float) -> int:
    """Remove the scratch folders in ``results_dir`` that no live run owns; how many.

    ``min_age_seconds``: a folder modified more recently is kept whatever the store says
    (``Settings.lease_seconds``). The folders are listed before the store is asked, so a folder
    a worker creates meanwhile is not seen, and one that was seen had its lease in the store
    already.
    """
    found: dict[str, list[tuple[str, Path]]] = {}
    for path in results_dir.iterdir() if results_dir.is_dir() else ():
        if (name := _NAME.match(path.name)) is not None and path.is_dir():
            found.setdefault(name["job"], []).append((name["token"], path))
    live = _live_runs(store, list(found))
    now, removed = time.time(), 0
    for job_id, folders in found.items():
        for token, path in folders:
            if (job_id, token) in live:
                continue
            try:
                if now - path.stat().st_mtime < min_age_seconds:
                    continue
            except FileNotFoundError:  # its worker removed it meanwhile
                continue
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


def _live_runs(store: JobStore, job_ids: list[str]) -> set[tuple[str, str]]:
    """``(job id, worker token)`` of those jobs that are running, each under its lease holder."""
    live: set[tuple[str, str]] = set()
    with Session(store.engine) as session:
        for start in range(0, len(job_ids), _QUERY_BATCH):
            rows = session.execute(
                select(JobRow.id, JobRow.lease_owner).where(
                    JobRow.id.in_(job_ids[start : start + _QUERY_BATCH]),
                    JobRow.status == JobStatus.RUNNING.value,
                    JobRow.lease_owner.is_not(None),
                )
            ).all()
            live |= {(job_id, worker_token(owner)) for job_id, owner in rows}
    return live
