"""The one way a job enters the queue, for ``POST /v1/jobs`` and the task routes alike.

The task's own checks, then the service's limits (the job's cost in work units; a key's queued
jobs, queued work and work of the last hour; a full queue), then the store: no route can queue
work that skips a limit. The limits that depend on what is queued are checked inside the
store's insert transaction, under the key's lock (``JobStore.submit``'s ``admit``), so two
concurrent requests of one key cannot both take the last room under a limit.
"""

from __future__ import annotations

import math

from fastapi import HTTPException
from pydantic import BaseModel
from sqlalchemy.orm import Session

from service.config import Settings
from service.jobs.quota import queued_cost, queued_jobs, recent_work, seconds_until_room
from service.jobs.records import Job, utc_now
from service.jobs.store import JobStore
from service.jobs.tasks import TASKS
from service.registry import ModelRegistry
from service.task import InvalidTaskInput

__all__ = ["queue_job"]

QUEUE_RETRY_AFTER = 30
"""Seconds a client waits when queued work, not time, is what stands in its way."""


def _too_much(detail: str, retry_after: float) -> HTTPException:
    """A 429 that says when to come back."""
    seconds = str(max(math.ceil(retry_after), 1))
    return HTTPException(status_code=429, detail=detail, headers={"Retry-After": seconds})


def _check_key(session: Session, settings: Settings, owner: str, cost: int) -> None:
    """429 when ``owner``'s queued jobs, queued work or work of the last hour leave no room."""
    if queued_jobs(session, owner) >= settings.max_queued_jobs_per_key:
        raise _too_much(
            f"{settings.max_queued_jobs_per_key} jobs of this key are waiting already; "
            "retry when some have finished",
            QUEUE_RETRY_AFTER,
        )
    waiting, limit = queued_cost(session, owner), settings.max_queued_cost_per_key
    if waiting + cost > limit:
        raise _too_much(
            f"this key has {waiting:,} work units waiting; this job's {cost:,} more would be "
            f"over its limit of {limit:,}; retry when some have run",
            QUEUE_RETRY_AFTER,
        )
    now, limit = utc_now(), settings.max_cost_per_key_per_hour
    work = recent_work(session, owner, now)
    wait = seconds_until_room(work, cost, limit, now)
    if wait is not None:
        used = sum(c for _, c in work)
        raise _too_much(
            f"this key submitted {used:,} work units in the last hour; this job's {cost:,} "
            f"more would be over its limit of {limit:,} per hour; retry in {math.ceil(wait)} s",
            wait,
        )


def queue_job(
    task_name: str,
    params: BaseModel,
    *,
    store: JobStore,
    registry: ModelRegistry,
    settings: Settings,
    owner: str | None,
    idempotency_key: str | None = None,
) -> Job:
    """Check ``params`` of ``task_name`` and queue them; 422, 429 or 503 if not.

    A job over a limit it could never meet (per job, or a key's per queue or per hour) is a
    422 naming the limit and the job's cost; one that fits once other work has run, a 429.
    """
    task = TASKS[task_name]
    total = task.check(params, registry)
    cost = task.cost(params, registry)
    limits = {"per job": settings.max_job_cost}
    if owner is not None:
        limits["of waiting work per key"] = settings.max_queued_cost_per_key
        limits["per key per hour"] = settings.max_cost_per_key_per_hour
    name, limit = min(limits.items(), key=lambda item: item[1])
    if cost > limit:
        raise InvalidTaskInput(
            [
                {
                    "loc": ["params"],
                    "msg": f"this job costs {cost:,} work units; the limit {name} is "
                    f"{limit:,} (split the work into several jobs)",
                }
            ]
        )

    def admit(session: Session) -> None:
        """The limits on what is queued, read in the insert's transaction (the key's lock held).

        The whole queue's cap is exact per key; keys submitting at once on PostgreSQL may
        overshoot it by one job each (it guards the service, not a key's share).
        """
        if owner is not None:
            _check_key(session, settings, owner, cost)
        if queued_jobs(session) >= settings.max_queued_jobs:
            raise HTTPException(
                status_code=503,
                detail=f"the queue is full ({settings.max_queued_jobs} jobs); retry later",
                headers={"Retry-After": str(QUEUE_RETRY_AFTER)},
            )

    job, _ = store.submit(
        task_name,
        params.model_dump(),
        total,
        cost=cost,
        idempotency_key=idempotency_key,
        owner=owner,
        batch_key=task.batch_key(params),
        admit=admit,
    )
    return job
