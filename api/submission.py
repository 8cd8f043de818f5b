"""The one way a job enters the queue, for ``POST /v1/jobs`` and the task routes alike.

The task's own checks, then the service's limits (samples and molecules per job, jobs waiting
per key, a full queue), then the store: no route can queue work that skips a limit.
"""

from __future__ import annotations

from fastapi import HTTPException
from pydantic import BaseModel

from service.config import Settings
from service.errors import OverQuota
from service.jobs.records import Job, JobStatus
from service.jobs.store import JobStore
from service.jobs.tasks import TASKS
from service.registry import ModelRegistry
from service.task import InvalidTaskInput

__all__ = ["queue_job"]


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
    """Check ``params`` of ``task_name`` and queue them; 422, 429 or 503 if not."""
    task = TASKS[task_name]
    total = task.check(params, registry)
    if total > settings.max_job_samples:
        raise InvalidTaskInput(
            [
                {
                    "loc": ["params"],
                    "msg": f"{total} samples; the limit per job is {settings.max_job_samples} "
                    "(split the work into several jobs)",
                }
            ]
        )
    molecules = len(getattr(params, "smiles", []))
    if molecules > settings.max_molecules_per_job:
        limit = settings.max_molecules_per_job
        raise InvalidTaskInput(
            [{"loc": ["params", "smiles"], "msg": f"{molecules} molecules; the limit is {limit}"}]
        )
    if owner is not None and (
        store.counts(owner)[JobStatus.QUEUED] >= settings.max_queued_jobs_per_key
    ):
        raise OverQuota(
            f"{settings.max_queued_jobs_per_key} jobs of this key are waiting already; "
            "retry when some have finished"
        )
    if store.counts()[JobStatus.QUEUED] >= settings.max_queued_jobs:
        raise HTTPException(
            status_code=503,
            detail=f"the queue is full ({settings.max_queued_jobs} jobs); retry later",
            headers={"Retry-After": "30"},
        )
    job, _ = store.submit(
        task_name,
        params.model_dump(),
        total,
        idempotency_key=idempotency_key,
        owner=owner,
        batch_key=task.batch_key(params),
    )
    return job
