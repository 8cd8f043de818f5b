"""``qsdiff worker``: workers on their own, for workers on other machines than the API.

They take jobs from the job store in ``QSDIFF_DATABASE_URL`` (PostgreSQL, shared with the API)
and write results under ``QSDIFF_STATE_DIR`` (a volume the API reads too). ``qsdiff serve``
starts its own workers; this command is for deployments that run them apart: one process per
GPU (``--executor local``, the default, as in the Docker compose file), or a pool of Ray actors
across a Ray cluster (``--executor ray --ray-address HEAD:6379``).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from api.cli.options import int_in
from service.config import Settings
from service.jobs.worker import worker_main

__all__ = ["add_arguments", "run"]

logger = logging.getLogger(__name__)

POOL_CHECK_SECONDS = 30.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff worker``."""
    parser.add_argument(
        "--executor",
        choices=("local", "ray"),
        default="local",
        help="local: this process is one worker (default); ray: a pool of Ray actors",
    )
    parser.add_argument("--gpu", help="local: CUDA device index (default: the CPU, one thread)")
    parser.add_argument(
        "--name", help="local: label of this worker in leases (made unique: LABEL@HOST:PID:RANDOM)"
    )
    parser.add_argument("--ray-address", help="ray: cluster to join (default: a local Ray)")
    parser.add_argument(
        "--count",
        type=int_in(1),
        help="ray: CPU actors where the cluster has no GPU (default: QSDIFF_CPU_WORKERS)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run jobs until stopped: SIGTERM drains (finish within the grace period or hand back)."""
    if args.executor == "ray":
        return _run_ray_pool(args, settings)
    try:
        worker_main(settings.model_dump_json(), args.name, args.gpu)
    except KeyboardInterrupt:  # Ctrl-C: the jobs it held return to the queue when leases expire
        return 130
    return 0


def _run_ray_pool(args: argparse.Namespace, settings: Settings) -> int:
    """Keep a pool of Ray worker actors until a stop signal; Ray restarts dead actors."""
    from service.jobs.ray_executor import RayExecutor, RayUnavailable

    count = args.count if args.count is not None else max(settings.cpu_workers, 1)
    try:
        executor = RayExecutor(settings, count, args.ray_address or settings.ray_address)
    except RayUnavailable as e:
        print(f"qsdiff worker: {e}", file=sys.stderr)
        return 2
    executor.start()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):  # after ray.init, which installs its own
        signal.signal(signum, lambda *_: stop.set())
    try:
        while not stop.wait(POOL_CHECK_SECONDS):
            logger.info("Ray worker pool: %d/%d actors alive", executor.alive(), executor.count)
    finally:
        executor.stop()
    return 0
