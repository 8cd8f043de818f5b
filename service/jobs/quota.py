"""What one API key has asked of the service: its queued work, and its work of the last hour.

Work is counted in *work units*, each job's ``cost`` (the task's ``cost()``, README's limits):
one atom or residue through one network evaluation of a sampler, or 1,000 units of an
auxiliary fit's work measure. ``api/submission.py`` holds a key's new job against these sums,
read in the session of the transaction that inserts the job (``JobStore.submit``'s ``admit``),
under the key's lock: what they count cannot change before the job is in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.jobs.records import JobRow, JobStatus

__all__ = ["WINDOW", "queued_cost", "queued_jobs", "recent_work", "seconds_until_room"]

WINDOW = timedelta(hours=1)
"""The window of the work-per-hour quota."""


def queued_jobs(session: Session, owner: str | None = None) -> int:
    """Queued jobs of ``owner``, or of everyone (None)."""
    query = select(func.count()).select_from(JobRow).where(JobRow.status == JobStatus.QUEUED.value)
    if owner is not None:
        query = query.where(JobRow.owner == owner)
    return int(session.scalar(query) or 0)


def queued_cost(session: Session, owner: str) -> int:
    """Work units of ``owner``'s queued jobs."""
    query = select(func.coalesce(func.sum(JobRow.cost), 0)).where(
        JobRow.owner == owner, JobRow.status == JobStatus.QUEUED.value
    )
    return int(session.scalar(query) or 0)


def recent_work(session: Session, owner: str, now: datetime) -> list[tuple[datetime, int]]:
    """``(submitted, cost)`` of ``owner``'s jobs submitted in the :data:`WINDOW` before ``now``.

    Oldest first; every job counts, whatever became of it (cancelled ones too).
    """
    query = (
        select(JobRow.created_at, JobRow.cost)
        .where(JobRow.owner == owner, JobRow.created_at > now - WINDOW)
        .order_by(JobRow.created_at)
    )
    rows = session.execute(query).all()
    # SQLite drops the zone; every stored time is UTC
    return [(t if t.tzinfo else t.replace(tzinfo=UTC), int(cost)) for t, cost in rows]


def seconds_until_room(
    work: list[tuple[datetime, int]], cost: int, limit: int, now: datetime
) -> float | None:
    """Seconds until ``cost`` more fits under ``limit`` in the window; None: it fits now.

    ``work``: :func:`recent_work`, oldest first; each job leaves the window an hour after it
    was submitted. ``cost`` must be at most ``limit``.
    """
    excess = sum(c for _, c in work) + cost - limit
    if excess <= 0:
        return None
    for submitted, c in work:
        excess -= c
        if excess <= 0:
            return max((submitted + WINDOW - now).total_seconds(), 0.0)
    raise ValueError(f"a cost of {cost} never fits under the limit {limit}")
