"""The worker loop: lease jobs, run them in batches with heartbeats, write results atomically.

A worker leases the oldest queued job and, when it can share the model's batches with others
(the same task :meth:`~service.task.Task.batch_key`), more queued jobs of that key, up to
``Settings.worker_batch_samples`` samples in all; they run as one batch. Each job's files are
written into a private temporary folder and renamed into place only after the run finished and
while this worker still holds its lease, so a crash or a lost lease never leaves half a result,
and a job another worker took over is never finished twice. Cancellation is cooperative: the
heartbeat reports it, and the job leaves the batch between sampler steps. A job stopped at the
wall-clock limit fails, keeping the samples it finished (its task leaves them in its folder).
Between batches, every few minutes, the worker deletes finished jobs past their retention
(:mod:`service.jobs.retention`) and the scratch folders crashed workers left
(:mod:`service.jobs.scratch`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from service.config import Settings
from service.jobs.records import Job, LeaseLost, utc_now
from service.jobs.retention import purge_finished
from service.jobs.scratch import purge_stale_scratch, scratch_dir
from service.jobs.store import JobStore
from service.jobs.tasks import TASKS, TaskRun
from service.registry import ModelRegistry
from service.runtime import tune_allocator

__all__ = ["Worker", "results_path", "worker_identity", "worker_main"]

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0
IDLE_SLEEP_SECONDS = 0.2
MAX_STORE_RETRY_SECONDS = 30.0
PURGE_EVERY_SECONDS = 300.0


class _Heartbeat:
    """Progress and cancel checks for a batch of jobs, renewing leases at most once a second.

    ``handing_back``: whether the worker's drain deadline has passed (its jobs then leave);
    after ``max_seconds`` the jobs leave too (:meth:`overtime`).
    """

    def __init__(
        self,
        store: JobStore,
        jobs: list[Job],
        worker: str,
        lease_seconds: float,
        handing_back: Callable[[], bool],
        max_seconds: float,
    ):
        self.store, self.worker, self.lease_seconds = store, worker, lease_seconds
        self.handing_back = handing_back
        self.deadline = time.monotonic() + max_seconds
        self.done = {job.id: 0 for job in jobs}
        self.cancel_requested: set[str] = set()
        self.lost: set[str] = set()
        self.last = 0.0

    def beat(self, force: bool = False) -> None:
        if force or time.monotonic() - self.last >= HEARTBEAT_SECONDS:
            held = {job_id: n for job_id, n in self.done.items() if job_id not in self.lost}
            found = self.store.heartbeat_many(self.worker, held, self.lease_seconds)
            self.cancel_requested |= found.cancel_requested
            self.lost |= found.lost
            self.last = time.monotonic()

    def progress(self, job_id: str, finished: int) -> None:
        self.done[job_id] += finished
        self.beat()

    def overtime(self) -> bool:
        """Whether the batch ran past the wall-clock limit of a job."""
        return time.monotonic() > self.deadline

    def stopped(self, job_id: str) -> bool:
        """Whether the job should leave the batch: cancelled, taken over, handed back, late."""
        self.beat()
        return (
            job_id in self.cancel_requested
            or job_id in self.lost
            or self.handing_back()
            or self.overtime()
        )


class Worker:
    """Runs batches of jobs from ``store`` one batch at a time."""

    def __init__(self, settings: Settings, name: str | None = None, device: str = "cpu") -> None:
        self.settings = settings
        self._token = secrets.token_hex(6)
        self.name = worker_identity(name, self._token)
        self._hand_back_at: float | None = None  # set by drain()
        self._purge_at = 0.0  # monotonic time of the next retention purge: at the start
        self.store = JobStore(settings.job_database_url)
        self.registry = ModelRegistry(settings.checkpoint_dir, device)
        settings.results_dir.mkdir(parents=True, exist_ok=True)

    def run_once(self) -> bool:
        """Lease and run one batch of jobs; False when the queue was empty."""
        cap, seconds = self.settings.max_running_jobs_per_key, self.settings.lease_seconds
        job = self.store.lease(self.name, seconds, max_running=cap)
        if job is None:
            return False
        jobs = [job]
        room = self.settings.worker_batch_samples - job.progress_total
        if job.batch_key is not None and room > 0:
            jobs += self.store.lease_more(self.name, job.batch_key, room, seconds, max_running=cap)
        self._run(jobs)
        return True

    def run_forever(self, stop: threading.Event) -> None:
        """Run jobs until ``stop`` is set.

        A store error (a locked SQLite file, a PostgreSQL restart) is logged and retried with
        a growing pause; the leases of jobs held meanwhile expire and hand them on.
        """
        pause = IDLE_SLEEP_SECONDS
        while not stop.is_set():
            try:
                self.purge_if_due()
                idle = not self.run_once()
                pause = IDLE_SLEEP_SECONDS
            except SQLAlchemyError as e:
                logger.error("job store unavailable (%s); retrying in %.1f s", e, pause)
                idle, pause = True, min(pause * 2, MAX_STORE_RETRY_SECONDS)
            if idle:
                stop.wait(pause)

    def purge_if_due(self) -> int:
        """Delete finished jobs past the retention, at most every few minutes; how many.

        The same pass removes the scratch folders of crashed workers (older than a lease).
        """
        if time.monotonic() < self._purge_at:
            return 0
        self._purge_at = time.monotonic() + PURGE_EVERY_SECONDS
        results = self.settings.results_dir
        swept = purge_stale_scratch(self.store, results, self.settings.lease_seconds)
        if swept:
            logger.info("removed %d scratch folders that crashed workers left", swept)
        hours = self.settings.retention_hours
        if hours <= 0:
            return 0
        purged = purge_finished(self.store, utc_now() - timedelta(hours=hours), results)
        if purged:
            logger.info("deleted %d jobs that finished more than %g h ago", purged, hours)
        return purged

    def drain(self, grace_seconds: float) -> None:
        """Stop taking jobs; the running ones may finish within ``grace_seconds``, then go back."""
        self._hand_back_at = time.monotonic() + grace_seconds

    def _handing_back(self) -> bool:
        return self._hand_back_at is not None and time.monotonic() >= self._hand_back_at

    def _scratch(self, job: Job) -> Path:
        """The job's scratch folder of this worker alone (never another's, on any machine)."""
        return scratch_dir(self.settings.results_dir, job.id, self._token)

    def _fresh_scratch(self, job: Job) -> Path:
        scratch = self._scratch(job)
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        return scratch

    def _run(self, jobs: list[Job]) -> None:
        """Run ``jobs`` (one task) as one batch; if the batch fails, run each job alone."""
        task = TASKS[jobs[0].task]
        heartbeat = _Heartbeat(
            self.store,
            jobs,
            self.name,
            self.settings.lease_seconds,
            self._handing_back,
            self.settings.max_job_seconds,
        )
        try:
            runs = [
                TaskRun(
                    task.params_model.model_validate(job.params),
                    self._fresh_scratch(job),
                    lambda n, job_id=job.id: heartbeat.progress(job_id, n),
                    lambda job_id=job.id: heartbeat.stopped(job_id),
                )
                for job in jobs
            ]
            outputs = task.run(runs, self.registry)
        except Exception as e:
            if len(jobs) == 1:
                self._fail(jobs[0], e)
                return
            logger.warning("a batch of %d jobs failed (%s); running each alone", len(jobs), e)
            for job in jobs:
                self._run([job])
            return
        heartbeat.beat(force=True)  # still ours?
        for job, output in zip(jobs, outputs, strict=True):
            self._finish(job, output is None, heartbeat)

    def _finish(self, job: Job, cancelled: bool, heartbeat: _Heartbeat) -> None:
        scratch = self._scratch(job)
        stopped_here = cancelled and job.id not in heartbeat.cancel_requested  # not by its owner
        try:
            if job.id in heartbeat.lost:
                logger.warning("job %s was taken over by another worker; dropping this run", job.id)
            elif stopped_here and self._handing_back():
                self.store.release(job.id, self.name)
                logger.info("job %s handed back to the queue (shutting down)", job.id)
            elif stopped_here and heartbeat.overtime():
                self._stop_at_limit(job, heartbeat.done[job.id])
            elif cancelled:
                self.store.mark_cancelled(job.id, self.name)
                logger.info("job %s cancelled", job.id)
            else:
                final_dir = self.settings.results_dir / job.id
                self.store.succeed(job.id, self.name, str(final_dir), _mover(scratch, final_dir))
                logger.info("job %s succeeded", job.id)
        except LeaseLost:
            logger.warning("job %s was taken over by another worker; dropping this run", job.id)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _stop_at_limit(self, job: Job, done: int) -> None:
        """Fail a job stopped at the wall-clock limit, keeping the ``done`` samples it finished.

        Its task left them in its scratch folder (a cancelled run's files hold what it finished).
        """
        scratch = self._scratch(job)
        error = (
            f"stopped after the wall-clock limit of {self.settings.max_job_seconds:g} s per job, "
            f"after {done} of {job.progress_total} samples"
        )
        names = TASKS[job.task].files.values()
        if done and any((scratch / name).is_file() for name in names):
            final_dir = self.settings.results_dir / job.id
            error += f"; its results hold those {done}"
            self.store.fail_keeping(
                job.id, self.name, error, str(final_dir), _mover(scratch, final_dir)
            )
        else:
            error += "; nothing was kept"
            self.store.fail_keeping(job.id, self.name, error)
        logger.warning("job %s %s", job.id, error)

    def _fail(self, job: Job, error: Exception) -> None:
        logger.error("job %s failed: %s", job.id, traceback.format_exc())
        with contextlib.suppress(LeaseLost):
            self.store.fail(job.id, self.name, f"{type(error).__name__}: {error}")
        shutil.rmtree(self._scratch(job), ignore_errors=True)


def _mover(scratch: Path, final_dir: Path) -> Callable[[], None]:
    """What publishes a job's files, ``scratch`` renamed ``final_dir`` (the store runs it)."""

    def publish() -> None:
        shutil.rmtree(final_dir, ignore_errors=True)
        os.replace(scratch, final_dir)

    return publish


def worker_identity(label: str | None, token: str) -> str:
    """``LABEL@HOST:PID:TOKEN``: unique across processes, containers (all PID 1) and hosts.

    ``TOKEN`` also names the worker's scratch folders (:func:`~service.jobs.scratch.scratch_dir`).
    """
    return f"{label or 'worker'}@{socket.gethostname()}:{os.getpid()}:{token}"


def worker_main(settings_json: str, name: str | None, gpu: str | None = None) -> None:
    """Entry point of a worker process (spawned by the local executor).

    ``gpu``: the one CUDA device this worker uses; None runs on the CPU, on its share of the
    cores.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if gpu is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu  # before torch initialises CUDA
    tune_allocator()
    import torch

    settings = Settings.model_validate_json(settings_json)
    if gpu is None:  # the cores shared among this machine's CPU workers
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // max(settings.cpu_workers, 1)))
    device = "cpu" if gpu is None else "cuda"
    worker, stop = Worker(settings, name, device), threading.Event()

    def on_sigterm(signum, frame) -> None:  # noqa: ARG001 (signal handler signature)
        logger.info("SIGTERM: draining (grace %.0f s)", settings.drain_grace_seconds)
        worker.drain(settings.drain_grace_seconds)
        stop.set()

    signal.signal(signal.SIGTERM, on_sigterm)
    worker.run_forever(stop)


def results_path(settings: Settings, job: Job, filename: str) -> Path:
    """Where one of a finished job's files lives."""
    return Path(job.result_path or settings.results_dir / job.id) / filename
