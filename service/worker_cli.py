"""``qsdiff worker``: one worker process on its own, for workers on other machines.

It takes jobs from the job store in ``QSDIFF_DATABASE_URL`` (PostgreSQL, shared with the API)
and writes results under ``QSDIFF_STATE_DIR`` (a volume the API reads too). ``qsdiff serve``
starts its own local workers; this command is for deployments that run them apart (Docker
compose, one container per GPU).
"""

from __future__ import annotations

import argparse
import os
import socket

from service.config import Settings
from service.worker import worker_main

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff worker``."""
    parser.add_argument("--gpu", help="CUDA device index to use (default: the CPU, one thread)")
    parser.add_argument("--name", help="worker name in leases (default: HOST:PID)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run jobs until stopped."""
    name = args.name or f"{socket.gethostname()}:{os.getpid()}"
    worker_main(settings.model_dump_json(), name, args.gpu)
    return 0
