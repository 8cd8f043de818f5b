"""Inline (synchronous) requests: one engine thread that runs concurrent requests in batches.

Requests queue here instead of each taking a thread of its own; the engine takes the oldest
one and every other waiting request of the same task and batch key (up to ``max_samples``
samples) and runs them as one batch, so fifty concurrent one-conformer requests cost about
one model call per step instead of fifty. The queue is bounded (:class:`InlineQueueFull`), and
a request whose caller gave up is dropped between sampler steps. The runs have no ``out_dir``:
an answer is made in memory and touches no disk.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from service.errors import OverQuota
from service.jobs.tasks import TASKS, TaskRun
from service.registry import ModelRegistry

__all__ = ["InlineBatcher", "InlineQueueFull", "InlineResult", "PendingRequest"]

logger = logging.getLogger(__name__)


class InlineQueueFull(OverQuota):
    """Too many inline requests are waiting; the caller should retry later or submit a job."""


@dataclass(frozen=True)
class InlineResult:
    """An inline request's files (by format, as text), manifest, and the size of its batch."""

    files: dict[str, str]
    manifest: dict[str, Any]
    batch_requests: int


@dataclass(eq=False)  # compared by identity
class PendingRequest:
    """One queued inline request: what to run, its future, and whether its caller gave up."""

    task: str
    params: Any
    samples: int
    key: str
    future: Future = field(default_factory=Future)
    abandoned: bool = False


class InlineBatcher:
    """A bounded queue of inline requests and the thread that runs them in batches."""

    def __init__(self, registry: ModelRegistry, max_pending: int, max_samples: int) -> None:
        self.registry, self.max_pending, self.max_samples = registry, max_pending, max_samples
        self._pending: deque[PendingRequest] = deque()
        self._ready = threading.Condition()
        self._stopping = False
        self.samples_completed = 0
        self._thread = threading.Thread(target=self._loop, name="qsdiff-inline", daemon=True)

    def start(self) -> None:
        """Start the engine thread."""
        self._thread.start()

    def stop(self) -> None:
        """Finish the batch in progress, refuse what still waits, and end the thread."""
        with self._ready:
            self._stopping = True
            self._ready.notify_all()
        self._thread.join()
        for pending in self._pending:
            pending.future.set_exception(InlineQueueFull("the server is shutting down"))

    def alive(self) -> bool:
        """Whether the engine thread runs."""
        return self._thread.is_alive()

    def depth(self) -> int:
        """Requests waiting (not counting the batch being run)."""
        return len(self._pending)

    def submit(self, task: str, params: Any, samples: int) -> tuple[Future, PendingRequest]:
        """Queue a request; its future resolves to an :class:`InlineResult`.

        Pass the returned handle to :meth:`abandon` when the caller gives up.
        """
        pending = PendingRequest(task, params, samples, TASKS[task].batch_key(params))
        with self._ready:
            if self._stopping:
                raise InlineQueueFull("the server is shutting down")
            if len(self._pending) >= self.max_pending:
                raise InlineQueueFull(
                    f"{len(self._pending)} inline requests are waiting (the limit)"
                )
            self._pending.append(pending)
            self._ready.notify()
        return pending.future, pending

    def abandon(self, pending: PendingRequest) -> None:
        """Drop a request: out of the queue now, or out of its batch at the next step."""
        with self._ready:
            pending.abandoned = True
            if pending in self._pending:
                self._pending.remove(pending)

    def _next_batch(self) -> list[PendingRequest] | None:
        with self._ready:
            while not self._pending and not self._stopping:
                self._ready.wait()
            if self._stopping:
                return None
            first = self._pending.popleft()
            batch, room = [first], self.max_samples - first.samples
            for pending in list(self._pending):
                same = pending.task == first.task and pending.key == first.key
                if same and pending.samples <= room:
                    self._pending.remove(pending)
                    batch.append(pending)
                    room -= pending.samples
        return [p for p in batch if not p.abandoned and p.future.set_running_or_notify_cancel()]

    def _loop(self) -> None:
        while (batch := self._next_batch()) is not None:
            if batch:
                self._run(batch)

    def _run(self, batch: list[PendingRequest]) -> None:
        """Run ``batch`` together; if that fails, run each request alone to isolate the fault."""
        task = TASKS[batch[0].task]
        runs = [TaskRun(p.params, None, cancelled=lambda p=p: p.abandoned) for p in batch]
        try:
            outputs = task.run(runs, self.registry)
        except Exception as e:
            if len(batch) == 1:
                batch[0].future.set_exception(e)
                return
            logger.warning("an inline batch of %d failed (%s); running each alone", len(batch), e)
            for pending in batch:
                self._run([pending])
            return
        for pending, output in zip(batch, outputs, strict=True):
            if output is None:
                continue  # its caller gave up waiting
            self.samples_completed += pending.samples
            pending.future.set_result(InlineResult(output.texts, output.manifest, len(batch)))
