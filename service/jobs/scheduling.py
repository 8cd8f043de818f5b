"""Which jobs a worker gets next: fair across owners, capped per owner, claimed atomically.

:meth:`JobStore.lease <service.jobs.store.JobStore.lease>` and ``lease_more`` are these
functions on the store's transactions. A claim is a compare-and-set update, so two workers
never hold the same job; on PostgreSQL batch candidates are also read ``FOR UPDATE SKIP
LOCKED``, so workers on many machines pass over each other's rows instead of queueing on them.

``max_running`` (``Settings.max_running_jobs_per_key``) caps one owner's running jobs: an
owner at the cap is passed over and other owners' jobs run. The cap is counted inside the
claim's own ``UPDATE``, under the owner's claim lock (:mod:`service.jobs.locks`), so workers
claiming at once cannot together hand an owner more. Jobs without an owner (API keys off, a
single user) are not capped. A job whose lease expired (its worker presumed dead) does not
count: it is leasable again.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, true, update
from sqlalchemy.orm import Session, aliased

from service.jobs.locks import hold_claims
from service.jobs.records import Job, JobRow, JobStatus, utc_now

__all__ = ["MAX_BATCH_JOBS", "lease_batch", "lease_next"]

MAX_BATCH_JOBS = 256  # jobs one lease_batch call may claim


def lease_next(
    transaction: Callable[[], AbstractContextManager[Session]],
    worker: str,
    seconds: float,
    max_running: int | None = None,
) -> Job | None:
    """Claim the next leasable job for ``worker`` (queued, or running with a dead lease).

    Fair across owners: the owner whose last job started longest ago goes first (each
    owner's oldest job), which takes owners in turn, so one key's thousand queued jobs do
    not starve another key's one; an owner with ``max_running`` jobs running is passed over.
    A job whose lease expired ``max_attempts`` times is failed instead of handed out.
    ``transaction()`` opens one transaction of the store.
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
        query = (
            select(JobRow.id)
            .outerjoin(served, served.c.owner == JobRow.owner)
            .where(leasable)
            .order_by(served.c.last.asc().nulls_first(), JobRow.created_at)
            .limit(1)
        )
        with transaction() as session:
            candidate_id = session.scalars(_below_cap(query, max_running, now)).first()
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
            if max_running is not None and candidate.owner is not None:
                hold_claims(session, candidate.owner)  # held to the commit
            cap = _cap(candidate.owner, candidate.id, max_running, now)
            claimed = _claim(session, candidate.id, leasable & cap, worker, seconds, now)
            if claimed is not None:
                return claimed


def lease_batch(
    session: Session,
    worker: str,
    batch_key: str,
    max_samples: int,
    seconds: float,
    max_running: int | None = None,
) -> list[Job]:
    """Claim queued jobs of ``batch_key``, oldest first, of at most ``max_samples`` in all.

    No owner gets more than ``max_running`` jobs running; an owner whose claim lock another
    worker holds just now is passed over (that worker may be filling the owner's cap).
    """
    now = utc_now()
    queued = JobRow.status == JobStatus.QUEUED.value
    claimed: list[Job] = []
    query = (
        select(JobRow.id, JobRow.owner, JobRow.progress_total)
        .where(queued, JobRow.batch_key == batch_key)
        .where(JobRow.progress_total <= max_samples)
        .order_by(JobRow.created_at)
        .limit(MAX_BATCH_JOBS)
        .with_for_update(skip_locked=True)
    )
    passed_over: set[str] = set()
    for job_id, owner, total in session.execute(_below_cap(query, max_running, now)).all():
        if total > max_samples or owner in passed_over:
            continue
        capped = max_running is not None and owner is not None
        if capped and not hold_claims(session, owner, wait=False):
            passed_over.add(owner)
            continue
        cap = _cap(owner, job_id, max_running, now)
        job = _claim(session, job_id, queued & cap, worker, seconds, now)
        if job is not None:
            claimed.append(job)
            max_samples -= total
    return claimed


def _running(rows: Any, now: datetime) -> ColumnElement[bool]:
    """``rows`` (the table or an alias of it) that run under a live lease.

    An expired lease's worker is presumed dead: its job is leasable again, so not counted.
    """
    return (rows.status == JobStatus.RUNNING.value) & (rows.lease_expires_at >= now)


def _below_cap(query: Select, max_running: int | None, now: datetime) -> Select:
    """``query`` without the jobs of owners that have ``max_running`` jobs running."""
    if max_running is None:
        return query
    at_cap = (
        select(JobRow.owner)
        .where(_running(JobRow, now), JobRow.owner.is_not(None))
        .group_by(JobRow.owner)
        .having(func.count() >= max_running)
    )
    return query.where(or_(JobRow.owner.is_(None), JobRow.owner.not_in(at_cap)))


def _cap(
    owner: str | None, job_id: str, max_running: int | None, now: datetime
) -> ColumnElement[bool]:
    """The claim's condition that ``owner`` has fewer than ``max_running`` other jobs running.

    Part of the claim's ``UPDATE``, so it is counted when the row is written (the owner's claim
    lock held), not when the candidate was chosen.
    """
    if max_running is None or owner is None:
        return true()
    others = aliased(JobRow)
    running = (
        select(func.count())
        .select_from(others)
        .where(others.owner == owner, others.id != job_id, _running(others, now))
        .scalar_subquery()
    )
    return running < max_running


def _claim(
    session: Session,
    job_id: str,
    leasable: ColumnElement[bool],
    worker: str,
    seconds: float,
    now: datetime,
) -> Job | None:
    """Compare-and-set ``job_id`` to running under ``worker`` if ``leasable`` still holds."""
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
