"""``qsdiff``: the one command-line entry point.

Subcommands arrive with the issues that build them; today: ``bench toy``.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from importlib import metadata

from service.runtime import tune_allocator

__all__ = ["main"]

BENCHMARKS: dict[str, str] = {
    "toy": "the analytic check of every (objective optimum, sampler) pair",
}


def _run_benchmark(name: str, argv: list[str]) -> int:
    """Import the benchmark lazily: ``qsdiff --help`` must not pay for torch."""
    if name == "toy":
        from bench.toy import main as toy_main

        runner: Callable[[list[str]], int] = toy_main
    else:  # argparse's choices keep this unreachable
        raise ValueError(f"unknown benchmark {name!r}; choose one of {sorted(BENCHMARKS)}")
    return runner(argv)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``qsdiff``."""
    parser = argparse.ArgumentParser(
        prog="qsdiff", description="Quotient-space SE(3) diffusion for molecular structures."
    )
    parser.add_argument("--version", action="version", version=metadata.version("qsdiff"))
    parser.add_argument("-v", "--verbose", action="store_true", help="log at debug level")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    bench = commands.add_parser(
        "bench",
        help="run a benchmark (prints a table, or JSON with --json)",
        description="; ".join(f"{k}: {v}" for k, v in BENCHMARKS.items()),
    )
    bench.add_argument("name", choices=sorted(BENCHMARKS), help="which benchmark")
    bench.add_argument("options", nargs=argparse.REMAINDER, help="the benchmark's own options")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qsdiff`` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    tune_allocator()
    if args.command == "bench":
        return _run_benchmark(args.name, args.options)
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse requires one
