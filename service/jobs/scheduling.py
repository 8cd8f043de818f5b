"""Which jobs a worker gets next: fair across owners, batched by key, claimed atomically.

:meth:`JobStore.lease <service.jobs.store.JobStore.lease>` and ``lease_more`` are these
functions on the store's transactions. A claim is a compare-and-set update, so two workers
never hold the same job; on PostgreSQL batch candidates are also read ``FOR UPDATE SKIP
LOCKED``, so workers on many machines pass over each other's rows instead of queueing on them.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service.jobs.records import Job, JobRow, JobStatus, utc_now

__all__ = ["MAX_BATCH_JOBS", "lease_batch", "lease_next"]

MAX_BATCH_JOBS = 256  # jobs one lease_batch call may claim


def lease_next(
    transaction: Callable[[], AbstractContextManager[Session]], worker: str, seconds: float
) -> Job | None:
    """Claim the next leasable job for ``worker`` (queued, or running with a dead lease).

    Fair across owners: the owner whose last job started longest ago goes first (each
    owner's oldest job), which takes owners in turn, so one key's thousand queued jobs do
    not starve another key's one. A job whose lease expired ``max_attempts`` times is
    failed instead of handed out. ``transaction()`` opens one transaction of the store.
    """
    while True:
        now = utc_now()
        leasable = (JobRow.status == JobStatus.QUEUED.value) | (
            (JobRow.status == JobStatus.RUNNING.value) & (JobRow.lease_expires_at < now)
        )
        # the owner served longest ago goes first (never served: at once), then the oldest job
        served = (
            select(JobRow.owner, func.max(JobRow.started_at).label("last"))
            .group_by(JobRow.owner)
            .subquery()
        )
        with transaction() as session:
            candidate_id = session.scalars(
                select(JobRow.id)
                .outerjoin(served, served.c.owner == JobRow.owner)
                .where(leasable)
                .order_by(served.c.last.asc().nulls_first(), JobRow.created_at)
                .limit(1)
            ).first()
            if candidate_id is None:
                return None
            candidate = session.get(JobRow, candidate_id, populate_existing=True)
            if candidate.attempts >= candidate.max_attempts:
                session.execute(
                    update(JobRow)
                    .where(JobRow.id == candidate.id, leasable)
                    .execution_options(synchronize_session=False)
                    .values(
                        status=JobStatus.FAILED.value,
                        error=candidate.error or f"its worker was lost {candidate.attempts} times",
                        finished_at=now,
                        updated_at=now,
                        lease_owner=None,
                    )
                )
                continue
            claimed = _claim(session, candidate.id, leasable, worker, seconds, now)
            if claimed is not None:
                return claimed


def lease_batch(
    session: Session, worker: str, batch_key: str, max_samples: int, seconds: float
) -> list[Job]:
    """Claim queued jobs of ``batch_key``, oldest first, of at most ``max_samples`` in all."""
    now = utc_now()
    queued = JobRow.status == JobStatus.QUEUED.value
    claimed: list[Job] = []
    candidates = session.execute(
        select(JobRow.id, JobRow.progress_total)
        .where(queued, JobRow.batch_key == batch_key)
        .where(JobRow.progress_total <= max_samples)
        .order_by(JobRow.created_at)
        .limit(MAX_BATCH_JOBS)
        .with_for_update(skip_locked=True)
    ).all()
    for job_id, total in candidates:
        if total > max_samples:
            continue
        job = _claim(session, job_id, queued, worker, seconds, now)
        if job is not None:
            claimed.append(job)
            max_samples -= total
    return claimed


def _claim(
    session: Session, job_id: str, leasable, worker: str, seconds: float, now: datetime
) -> Job | None:
    """Compare-and-set ``job_id`` to running under ``worker`` if it is still leasable."""
    claimed = session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, leasable)
        .execution_options(synchronize_session=False)
        .values(
            status=JobStatus.RUNNING.value,
            lease_owner=worker,
            lease_expires_at=now + timedelta(seconds=seconds),
            attempts=JobRow.attempts + 1,
            progress_done=0,
            started_at=now,
            updated_at=now,
        )
    )
    if claimed.rowcount != 1:
        return None
    return Job._from_row(session.get(JobRow, job_id, populate_existing=True))
