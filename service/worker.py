"""The worker loop: lease a job, run its task with heartbeats, write results atomically.

A job's files are written into a private temporary folder and renamed into place only after
the run finished and while this worker still holds the lease, so a crash or a lost lease
never leaves half a result, and a job another worker took over is never finished twice.
Cancellation is cooperative: the heartbeat reports it, and the sampler stops between steps.
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

from models.samplers import SamplingCancelled
from service.config import Settings
from service.jobstore import Job, JobStore, LeaseLost
from service.registry import ModelRegistry
from service.runtime import tune_allocator
from service.tasks import TASKS

__all__ = ["Worker", "results_path", "worker_main"]

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0
IDLE_SLEEP_SECONDS = 0.2


class _Heartbeat:
    """Progress and cancel checks for one job, renewing the lease at most once a second."""

    def __init__(self, store: JobStore, job: Job, worker: str, lease_seconds: float) -> None:
        self.store, self.job, self.worker, self.lease_seconds = store, job, worker, lease_seconds
        self.done = 0
        self.cancel_asked = False
        self.last = 0.0

    def beat(self, force: bool = False) -> None:
        if force or time.monotonic() - self.last >= HEARTBEAT_SECONDS:
            self.cancel_asked = self.store.heartbeat(
                self.job.id, self.worker, self.done, self.lease_seconds
            )
            self.last = time.monotonic()

    def progress(self, finished: int) -> None:
        self.done += finished
        self.beat()

    def cancelled(self) -> bool:
        self.beat()
        return self.cancel_asked


class Worker:
    """Runs jobs from ``store`` one at a time."""

    def __init__(self, settings: Settings, name: str | None = None, device: str = "cpu") -> None:
        self.settings = settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.store = JobStore(settings.job_database_url)
        self.registry = ModelRegistry(settings.checkpoint_dir, device)
        settings.results_dir.mkdir(parents=True, exist_ok=True)

    def run_once(self) -> bool:
        """Lease and run one job; False when the queue was empty."""
        job = self.store.lease(self.name, self.settings.lease_seconds)
        if job is None:
            return False
        self._run(job)
        return True

    def run_forever(self, stop: threading.Event) -> None:
        """Run jobs until ``stop`` is set."""
        while not stop.is_set():
            if not self.run_once():
                stop.wait(IDLE_SLEEP_SECONDS)

    def _run(self, job: Job) -> None:
        task = TASKS[job.task]
        final_dir = self.settings.results_dir / job.id
        scratch = self.settings.results_dir / f".{job.id}.{os.getpid()}.tmp"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        heartbeat = _Heartbeat(self.store, job, self.name, self.settings.lease_seconds)
        try:
            params = task.params_model.model_validate(job.params)
            task.run(params, self.registry, scratch, heartbeat.progress, heartbeat.cancelled)
            heartbeat.beat(force=True)  # still ours?
            shutil.rmtree(final_dir, ignore_errors=True)
            os.replace(scratch, final_dir)
            self.store.succeed(job.id, self.name, str(final_dir))
            logger.info("job %s succeeded", job.id)
        except SamplingCancelled:
            self.store.mark_cancelled(job.id, self.name)
            logger.info("job %s cancelled", job.id)
        except LeaseLost:
            logger.warning("job %s was taken over by another worker; dropping this run", job.id)
        except Exception as e:
            logger.error("job %s failed: %s", job.id, traceback.format_exc())
            with contextlib.suppress(LeaseLost):
                self.store.fail(job.id, self.name, f"{type(e).__name__}: {e}")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


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
