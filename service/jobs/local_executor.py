"""Executors: what runs the workers, chosen by ``QSDIFF_EXECUTOR``.

``local``: worker processes on this machine, restarted when they die; one per CUDA device when
there are GPUs, else ``QSDIFF_CPU_WORKERS`` CPU processes, started with the ``spawn`` method (no
inherited torch or database state). ``ray``: see :mod:`service.jobs.ray_executor`.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from multiprocessing.process import BaseProcess

from service.config import Settings
from service.jobs.worker import worker_main

__all__ = ["LocalExecutor", "local_worker_count", "make_executor"]

logger = logging.getLogger(__name__)


def local_worker_count(settings: Settings) -> tuple[int, str]:
    """``(count, device)``: one worker per CUDA device if any, else ``settings.cpu_workers``."""
    import torch

    if torch.cuda.is_available():
        return torch.cuda.device_count(), "cuda"
    return settings.cpu_workers, "cpu"


def make_executor(settings: Settings):
    """The executor ``settings`` ask for, or None when no workers should run here."""
    if settings.executor == "ray":
        from service.jobs.ray_executor import RayExecutor

        return RayExecutor(settings, max(settings.cpu_workers, 1), settings.ray_address)
    count, device = local_worker_count(settings)
    return LocalExecutor(settings, count, device) if count else None


def _embedded_worker(settings_json: str, name: str, gpu: str | None) -> None:
    """:func:`worker_main` in a process the server owns, deaf to Ctrl-C.

    Ctrl-C in a terminal signals the whole process group. The server stops its workers itself
    (:meth:`LocalExecutor.stop`); a worker the SIGINT killed first would be counted and
    restarted as a crash while the server shuts down.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker_main(settings_json, name, gpu)


class LocalExecutor:
    """Keeps ``count`` worker processes alive until :meth:`stop`.

    With ``device="cuda"``, worker ``i`` sees only GPU ``i`` (``CUDA_VISIBLE_DEVICES``).
    """

    def __init__(self, settings: Settings, count: int, device: str = "cpu") -> None:
        self.settings = settings
        self.count = count
        self.device = device
        self._context = multiprocessing.get_context("spawn")
        self._processes: dict[int, BaseProcess] = {}
        self._stop = threading.Event()
        self._monitor = threading.Thread(target=self._watch, name="qsdiff-executor", daemon=True)
        self.restarts = 0

    def _spawn(self, slot: int) -> None:
        gpu = str(slot) if self.device == "cuda" else None
        process = self._context.Process(
            target=_embedded_worker,
            args=(self.settings.model_dump_json(), f"local-{slot}", gpu),
            name=f"qsdiff-worker-{slot}",
            daemon=True,
        )
        process.start()
        self._processes[slot] = process
        logger.info("worker %d started (pid %s)", slot, process.pid)

    def start(self) -> None:
        """Start the workers and the thread that restarts them."""
        for slot in range(self.count):
            self._spawn(slot)
        self._monitor.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            for slot, process in list(self._processes.items()):
                if not process.is_alive() and not self._stop.is_set():
                    logger.warning("worker %d died (exit %s); restarting", slot, process.exitcode)
                    self.restarts += 1
                    self._spawn(slot)

    def alive(self) -> int:
        """How many workers are running now."""
        return sum(p.is_alive() for p in self._processes.values())

    def stop(self) -> None:
        """Drain the workers (SIGTERM: finish within the grace period or hand jobs back)."""
        self._stop.set()
        for process in self._processes.values():
            process.terminate()
        deadline = time.monotonic() + self.settings.drain_grace_seconds + 10
        for process in self._processes.values():
            process.join(timeout=max(deadline - time.monotonic(), 0.1))
            if process.is_alive():  # stuck past the grace: its lease hands the job on
                process.kill()
                process.join(timeout=5)
