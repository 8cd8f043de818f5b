"""Answering an inline task request: bounds, the shared batcher, the per-request timeout."""

from __future__ import annotations

import asyncio
import time

from fastapi import HTTPException

from api.errors import RETRY_AFTER_SECONDS
from service.config import Settings
from service.jobs.inline import InlineBatcher, InlineResult
from service.jobs.tasks import TASKS, InvalidTaskInput
from service.registry import ModelRegistry

__all__ = ["INLINE_RESPONSES", "run_inline"]


INLINE_RESPONSES: dict[int | str, dict] = {
    422: {"description": "a field is invalid (named in ``detail[].loc``)"},
    429: {"description": "too many inline requests waiting; see ``Retry-After``"},
    503: {"description": "not answered within the inline time limit; see ``Retry-After``"},
}


def _check_inline_size(total: int, settings: Settings) -> None:
    if total > settings.max_sync_samples:
        raise InvalidTaskInput(
            [
                {
                    "loc": ["num_samples"],
                    "msg": f"{total} samples is above the inline limit of "
                    f"{settings.max_sync_samples}; submit it with POST /v1/jobs",
                }
            ]
        )


async def run_inline(
    task_name: str,
    params,
    settings: Settings,
    registry: ModelRegistry,
    batcher: InlineBatcher,
) -> tuple[InlineResult, float]:
    """Check ``params``, run them in the next batch, and return the result and elapsed seconds.

    Above ``max_sync_samples`` the answer (422) says to submit a job; a full queue is a 429 and
    a request not answered within ``sync_timeout_seconds`` a 503, both with ``Retry-After``.
    """
    task = TASKS[task_name]
    # a bound before the chemistry, then the chemistry off the event loop: parsing thousands
    # of SMILES there would stall every other request, /healthz included
    _check_inline_size(len(getattr(params, "smiles", [None])) * params.num_samples, settings)
    total = await asyncio.to_thread(task.check, params, registry)
    _check_inline_size(total, settings)
    start = time.perf_counter()
    future, handle = batcher.submit(task_name, params, total)
    try:
        result = await asyncio.wait_for(
            asyncio.wrap_future(future), timeout=settings.sync_timeout_seconds
        )
    except TimeoutError as e:
        batcher.abandon(handle)
        raise HTTPException(
            status_code=503,
            detail=f"not finished within {settings.sync_timeout_seconds:g} s (the server is "
            "busy); retry later, or submit the request with POST /v1/jobs",
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        ) from e
    except asyncio.CancelledError:
        batcher.abandon(handle)  # the client went away
        raise
    return result, time.perf_counter() - start
