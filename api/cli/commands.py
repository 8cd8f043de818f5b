"""``qsdiff``: the one command-line entry point.

Subcommands: ``serve`` (API and workers), ``conformers``, ``molecules`` and ``backbones``
(generate, locally or through a server), ``pack-backbones`` (a folder of structures as one
npz set), ``train``, ``bench``, ``aux`` (the auxiliary group-action models). Each subcommand
lives in its own module with ``add_arguments`` and ``run``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
from importlib import metadata
from types import ModuleType
from typing import Any

from api.cli import backbones as backbones_cli
from api.cli import conformers as conformers_cli
from api.cli import data as data_cli
from api.cli import molecules as molecules_cli
from api.cli import pack_backbones as pack_backbones_cli
from api.cli import serve
from api.cli import train as train_cli
from api.cli import worker as worker_cli
from api.cli.exit_codes import report
from service.aux import AUX_MODELS
from service.config import get_settings
from service.errors import QsdiffError
from service.runtime import tune_allocator

__all__ = ["main"]

BENCHMARKS: dict[str, tuple[str, str]] = {
    "toy": ("bench.toy", "the analytic check of every (objective optimum, sampler) pair"),
    "conformers": ("bench.conformers", "shipped conformer checkpoints against RDKit ETKDGv3"),
    "druglike": ("bench.druglike", "crystal ligands from SMILES: qsdiff against RDKit ETKDGv3"),
    "load": ("bench.load", "a bounded load test of a real server on loopback"),
    "batching": ("bench.batching", "samples/s with requests packed together vs one at a time"),
    "molecules": ("bench.molecules", "EDM's metrics of every shipped molecule checkpoint"),
    "backbones": ("bench.backbones", "backbone metrics of every shipped backbone checkpoint"),
    "aux": ("bench.aux", "an auxiliary model's central claim, measured (bench aux NAME)"),
}


def _run_benchmark(name: str, argv: list[str]) -> int:
    module, _ = BENCHMARKS[name]
    return importlib.import_module(module).main(argv)


GENERATION_COMMANDS = (
    ("conformers", conformers_cli, "3-D conformers from SMILES / .smi / .sdf (SDF out)"),
    ("molecules", molecules_cli, "new 3-D molecules, QM9-like (SDF out)"),
    ("backbones", backbones_cli, "protein backbones of a given length (PDB / mmCIF out)"),
    ("pack-backbones", pack_backbones_cli, "a folder of PDB / mmCIF files as one backbone npz set"),
)
"""Generation and data commands: name, module (``add_arguments`` / ``run``), one-line help."""


def _add_documented(commands: Any, name: str, module: ModuleType, summary: str) -> None:
    """Add ``module``'s command, its docstring as the ``--help`` text, laid out as written."""
    module.add_arguments(
        commands.add_parser(
            name,
            help=summary,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``qsdiff``."""
    parser = argparse.ArgumentParser(
        prog="qsdiff", description="Quotient-space SE(3) diffusion for molecular structures."
    )
    parser.add_argument("--version", action="version", version=metadata.version("qsdiff"))
    parser.add_argument("-v", "--verbose", action="store_true", help="log at debug level")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve.add_arguments(commands.add_parser("serve", help="start the API and the workers"))
    worker_cli.add_arguments(
        commands.add_parser(
            "worker", help="run one worker on its own", description=worker_cli.__doc__
        )
    )
    for name, module, summary in GENERATION_COMMANDS:
        _add_documented(commands, name, module, summary)
    _add_documented(commands, "data", data_cli, "build a training data set (resumable)")
    training = commands.add_parser("train", help="train (or resume) a checkpoint")
    tasks = training.add_subparsers(dest="task", required=True, metavar="TASK")
    train_cli.add_conformers_arguments(tasks.add_parser("conformers", help="conformers on QM9"))
    train_cli.add_molecules_arguments(
        tasks.add_parser("molecules", help="de novo molecules on QM9")
    )
    train_cli.add_backbones_arguments(
        tasks.add_parser("backbones", help="protein C-alpha backbones")
    )
    aux = commands.add_parser("aux", help="the auxiliary group-action models")
    aux_models = aux.add_subparsers(dest="aux_model", required=True, metavar="MODEL")
    for name, description in AUX_MODELS.items():
        module = importlib.import_module(f"api.cli.aux.{name}")
        _add_documented(aux_models, name, module, description)
    bench = commands.add_parser(
        "bench",
        help="run a benchmark (prints a table, or JSON with --json)",
        description="; ".join(f"{k}: {v}" for k, (_, v) in BENCHMARKS.items()),
    )
    bench.add_argument("name", choices=sorted(BENCHMARKS), help="which benchmark")
    bench.add_argument("options", nargs=argparse.REMAINDER, help="the benchmark's own options")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qsdiff`` console script; the project's errors exit as one line."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    tune_allocator()
    try:
        return _run(args)
    except QsdiffError as e:
        words = (args.command, getattr(args, "task", None), getattr(args, "aux_model", None))
        return report(e, " ".join(["qsdiff", *filter(None, words)]))


def _run(args: argparse.Namespace) -> int:
    """Dispatch ``args`` to its command; the command's exit code."""
    if args.command == "bench":
        return _run_benchmark(args.name, args.options)
    if args.command == "serve":
        return serve.run(args)
    if args.command == "aux":
        return importlib.import_module(f"api.cli.aux.{args.aux_model}").run(args)
    if args.command == "worker":
        return worker_cli.run(args, get_settings())
    if args.command == "conformers":
        return conformers_cli.run(args, get_settings())
    if args.command == "molecules":
        return molecules_cli.run(args, get_settings())
    if args.command == "backbones":
        return backbones_cli.run(args, get_settings())
    if args.command == "data":
        return data_cli.run(args, get_settings())
    if args.command == "pack-backbones":
        return pack_backbones_cli.run(args)
    return train_cli.run(args, get_settings())
