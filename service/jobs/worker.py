"""The worker loop: lease jobs, run them in batches with heartbeats, write results atomically.

A worker leases the oldest queued job and, when it can share the model's batches with others
(the same task :meth:`~service.task.Task.batch_key`), more queued jobs of that key, up to
``Settings.worker_batch_samples`` samples in all; they run as one batch. Each job's files are
written into a private temporary folder and renamed into place only after the run finished and
while this worker still holds its lease, so a crash or a lost lease never leaves half a result,
and a job another worker took over is never finished twice. Cancellation is cooperative: the
heartbeat reports it, and the job leaves the batch between sampler steps.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import threading
import time
import traceback
from pathlib import Path

from service.config import Settings
from service.jobs.records import Job, LeaseLost
from service.jobs.store import JobStore
from service.jobs.tasks import TASKS, TaskRun
from service.registry import ModelRegistry
from service.runtime import tune_allocator

__all__ = ["Worker", "results_path", "worker_main"]

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0
IDLE_SLEEP_SECONDS = 0.2


class _Heartbeat:
    """Progress and cancel checks for a batch of jobs, renewing leases at most once a second."""

    def __init__(self, store: JobStore, jobs: list[Job], worker: str, lease_seconds: float):
        self.store, self.worker, self.lease_seconds = store, worker, lease_seconds
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

    def stopped(self, job_id: str) -> bool:
        """Whether the job should leave the batch: cancelled, or taken over by another worker."""
        self.beat()
        return job_id in self.cancel_requested or job_id in self.lost


class Worker:
    """Runs batches of jobs from ``store`` one batch at a time."""

    def __init__(self, settings: Settings, name: str | None = None, device: str = "cpu") -> None:
        self.settings = settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.store = JobStore(settings.job_database_url)
        self.registry = ModelRegistry(settings.checkpoint_dir, device)
        settings.results_dir.mkdir(parents=True, exist_ok=True)

    def run_once(self) -> bool:
        """Lease and run one batch of jobs; False when the queue was empty."""
        job = self.store.lease(self.name, self.settings.lease_seconds)
        if job is None:
            return False
        jobs = [job]
        room = self.settings.worker_batch_samples - job.progress_total
        if job.batch_key is not None and room > 0:
            jobs += self.store.lease_more(
                self.name, job.batch_key, room, self.settings.lease_seconds
            )
        self._run(jobs)
        return True

    def run_forever(self, stop: threading.Event) -> None:
        """Run jobs until ``stop`` is set."""
        while not stop.is_set():
            if not self.run_once():
                stop.wait(IDLE_SLEEP_SECONDS)

    def _scratch(self, job: Job) -> Path:
        return self.settings.results_dir / f".{job.id}.{os.getpid()}.tmp"

    def _fresh_scratch(self, job: Job) -> Path:
        scratch = self._scratch(job)
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        return scratch

    def _run(self, jobs: list[Job]) -> None:
        """Run ``jobs`` (one task) as one batch; if the batch fails, run each job alone."""
        task = TASKS[jobs[0].task]
        heartbeat = _Heartbeat(self.store, jobs, self.name, self.settings.lease_seconds)
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
        try:
            if job.id in heartbeat.lost:
                logger.warning("job %s was taken over by another worker; dropping this run", job.id)
            elif cancelled:
                self.store.mark_cancelled(job.id, self.name)
                logger.info("job %s cancelled", job.id)
            else:
                final_dir = self.settings.results_dir / job.id
                shutil.rmtree(final_dir, ignore_errors=True)
                os.replace(scratch, final_dir)
                self.store.succeed(job.id, self.name, str(final_dir))
                logger.info("job %s succeeded", job.id)
        except LeaseLost:
            logger.warning("job %s was taken over by another worker; dropping this run", job.id)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _fail(self, job: Job, error: Exception) -> None:
        logger.error("job %s failed: %s", job.id, traceback.format_exc())
        with contextlib.suppress(LeaseLost):
            self.store.fail(job.id, self.name, f"{type(error).__name__}: {error}")
        shutil.rmtree(self._scratch(job), ignore_errors=True)


def worker_main(settings_json: str, name: str, gpu: str | None = None) -> None:
    """Entry point of a worker process (spawned by the local executor).

    ``gpu``: the one CUDA device this worker uses; None runs on the CPU with one thread.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if gpu is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu  # before torch initialises CUDA
    tune_allocator()
    import torch

    if gpu is None:
        torch.set_num_threads(1)
    settings = Settings.model_validate_json(settings_json)
    device = "cpu" if gpu is None else "cuda"
    Worker(settings, name, device).run_forever(threading.Event())


def results_path(settings: Settings, job: Job, filename: str) -> Path:
    """Where one of a finished job's files lives."""
    return Path(job.result_path or settings.results_dir / job.id) / filename
