"""The ``ray`` executor: the same worker loop, run as Ray actors on a Ray cluster.

One actor per GPU where the cluster has GPUs (``num_gpus=1`` each), else ``count`` CPU actors.
Each actor runs the worker loop in a thread it starts when it is created, so Ray's restart of an
actor whose process died (``max_restarts``) restarts the loop too; the jobs it held return to
the queue when their leases expire, as with the local executor. Ray is an optional extra
(``pip install .[ray]``).
"""

from __future__ import annotations

import importlib.util
import logging
import threading

from service.config import Settings

__all__ = ["RayExecutor", "RayUnavailable"]

logger = logging.getLogger(__name__)


class RayUnavailable(RuntimeError):
    """Ray is not installed here."""


class _WorkerActor:
    """A Ray actor around :class:`service.jobs.worker.Worker`, whose loop runs in a thread."""

    def __init__(self, settings_json: str, name: str, gpu: bool) -> None:
        import torch

        from service.jobs.worker import Worker
        from service.runtime import tune_allocator

        tune_allocator()
        if not gpu:
            torch.set_num_threads(1)
        settings = Settings.model_validate_json(settings_json)
        self.worker = Worker(settings, name, "cuda" if gpu else "cpu")
        self.stopping = threading.Event()
        self.loop = threading.Thread(
            target=self.worker.run_forever, args=(self.stopping,), daemon=True
        )
        self.loop.start()

    def ping(self) -> int:
        import os

        return os.getpid()

    def stop(self) -> None:
        self.stopping.set()


class RayExecutor:
    """Keeps ``count`` worker actors (or one per GPU of the cluster) until :meth:`stop`."""

    def __init__(self, settings: Settings, count: int, address: str | None = None) -> None:
        if importlib.util.find_spec("ray") is None:
            raise RayUnavailable("the ray executor needs the ray extra: pip install 'qsdiff[ray]'")
        self.settings, self.count, self.address = settings, count, address
        self._actors: list = []
        self._started_ray = False

    def start(self) -> None:
        """Connect to (or start) Ray and create the actors."""
        import ray

        if not ray.is_initialized():
            ray.init(address=self.address, include_dashboard=False, log_to_driver=False)
            self._started_ray = True
        gpus = int(ray.cluster_resources().get("GPU", 0))
        if gpus:
            self.count = gpus
        actor_class = ray.remote(_WorkerActor).options(
            num_gpus=1 if gpus else 0,
            num_cpus=0 if gpus else 1,
            max_restarts=-1,
        )
        settings_json = self.settings.model_dump_json()
        self._actors = [
            actor_class.remote(settings_json, f"ray-{i}", bool(gpus)) for i in range(self.count)
        ]
        logger.info("%d Ray worker actors started (%s)", self.count, "GPU" if gpus else "CPU")

    def alive(self) -> int:
        """How many actors answer now."""
        import ray

        alive = 0
        for actor in self._actors:
            try:
                ray.get(actor.ping.remote(), timeout=5)
                alive += 1
            except (ray.exceptions.RayError, TimeoutError):
                pass
        return alive

    def stop(self) -> None:
        """Stop the actors, and Ray if this executor started it."""
        import ray

        for actor in self._actors:
            ray.kill(actor, no_restart=True)
        if self._started_ray:
            ray.shutdown()
