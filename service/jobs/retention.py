"""Retention: finished jobs and their result files are deleted a while after they finished.

Every worker calls :func:`purge_finished` when it starts and every few minutes after
(``Settings.retention_hours``; 0 keeps jobs forever). Each pass deletes the rows first, in
batches of :data:`PURGE_BATCH` (one ``DELETE ... RETURNING`` each, so concurrent purgers on one
PostgreSQL take disjoint rows: ``FOR UPDATE SKIP LOCKED``), and removes a job's folder only
once its row is gone: a purged job is a 404 like an unknown one, and no reader is ever sent
to files that are being removed. Removing a missing folder is a no-op, so passes can overlap.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select

from service.jobs.records import FINISHED, JobRow
from service.jobs.store import JobStore

__all__ = ["PURGE_BATCH", "purge_finished"]

PURGE_BATCH = 500
"""Rows one transaction deletes: a short write lock, whatever the backlog."""


def purge_finished(store: JobStore, before: datetime, results_dir: Path) -> int:
    """Delete the jobs that finished before ``before``, then their folders; how many.

    ``results_dir``: the folder of every job's result folder (``results_dir / job id``), as
    this process sees it. Queued and running jobs are never touched.
    """
    finished = [status.value for status in FINISHED]
    purged = 0
    while True:
        chosen = (
            select(JobRow.id)
            .where(JobRow.status.in_(finished), JobRow.finished_at < before)
            .limit(PURGE_BATCH)
            .with_for_update(skip_locked=True)
        )
        with store.engine.begin() as connection:
            ids = connection.scalars(
                delete(JobRow).where(JobRow.id.in_(chosen)).returning(JobRow.id)
            ).all()
        for job_id in ids:  # the rows are gone (committed): nobody can ask for these files
            shutil.rmtree(results_dir / job_id, ignore_errors=True)
        purged += len(ids)
        if len(ids) < PURGE_BATCH:
            return purged
