"""``qsdiff serve``: the API and the local worker pool on one machine."""

from __future__ import annotations

import argparse

from api.cli.options import int_in

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff serve``."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int_in(0, 65535), default=8000)
    parser.add_argument(
        "--cpu-workers", type=int_in(0), help="worker processes (default: QSDIFF_CPU_WORKERS, 1)"
    )
    parser.add_argument(
        "--executor", choices=("local", "ray"), help="default: QSDIFF_EXECUTOR, local"
    )
    parser.add_argument("--ray-address", help="Ray cluster to join (default: a local Ray)")


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    import uvicorn

    from api.app import create_app
    from service.config import get_settings

    settings = get_settings()
    overrides = {
        "cpu_workers": args.cpu_workers,
        "executor": args.executor,
        "ray_address": args.ray_address,
    }
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0
