"""``qsdiff train TASK``: each task's options, parsed into its training run and trained.

``conformers`` (:mod:`service.conformers.train`), ``molecules`` (:mod:`service.molecules.train`),
``backbones`` (:mod:`service.backbones.train`). An option left out keeps the run's default.
"""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path
from typing import TypeVar

from api.cli.options import add_training_options, int_in
from service.backbones.train import BackboneTrainingRun, train_backbones
from service.config import Settings
from service.conformers.train import ConformerTrainingRun, train_conformers
from service.molecules.train import MoleculeTrainingRun, train_molecules
from service.training.options import TrainingRun

__all__ = [
    "add_backbones_arguments",
    "add_conformers_arguments",
    "add_molecules_arguments",
    "run",
]

Run = TypeVar("Run", TrainingRun, MoleculeTrainingRun)


def add_conformers_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff train conformers``."""
    add_training_options(parser, "conformer", ConformerTrainingRun.NEW_MODEL)
    parser.add_argument("--val-molecules", type=int_in(1))
    parser.add_argument(
        "--limit-train", type=int_in(1), help="use only the first N training molecules (QM9)"
    )
    parser.add_argument("--data", choices=("qm9", "druglike"))
    parser.add_argument(
        "--init", type=Path, help="a new checkpoint starts from this checkpoint's weights"
    )
    parser.add_argument(
        "--max-atoms",
        type=int_in(2),
        help="drug-like molecules larger than this (atoms with H) are left out of training",
    )


def add_molecules_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff train molecules``."""
    add_training_options(parser, "molecule-graph", MoleculeTrainingRun.NEW_MODEL, diffusion=False)
    parser.add_argument("--val-samples", type=int_in(1))


def add_backbones_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff train backbones``."""
    add_training_options(parser, "backbone", BackboneTrainingRun.NEW_MODEL, auxiliary=True)
    parser.add_argument(
        "--data",
        type=Path,
        help="chains: an npz set or a folder of PDB / mmCIF files "
        "(default: proteins/train_large.npz)",
    )
    parser.add_argument(
        "--min-length", type=int_in(2), help="shortest crop; shorter chains are left out"
    )
    parser.add_argument("--max-length", type=int_in(2), help="longest crop")
    parser.add_argument("--val-samples", type=int_in(1))
    parser.add_argument(
        "--self-conditioning",
        action="store_true",
        help="condition the network on its previous prediction; a resumed network trained "
        "without it keeps its weights and gains the new layers, starting at zero",
    )
    parser.add_argument(
        "--ss-conditioning",
        action="store_true",
        help="condition the network on P-SEA secondary structure (classifier-free guidance); "
        "a resumed network trained without it gains the embedding, starting at zero",
    )


def training_run(kind: type[Run], args: argparse.Namespace) -> Run:
    """``kind`` from the options given; those left out (None) keep the dataclass's defaults."""
    given = {field.name: getattr(args, field.name, None) for field in fields(kind)}
    return kind(**{name: value for name, value in given.items() if value is not None})


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Train ``args.task``'s checkpoint until its steps; a project error is the caller's to map."""
    if args.task == "conformers":
        train_conformers(training_run(ConformerTrainingRun, args), settings)
    elif args.task == "molecules":
        train_molecules(training_run(MoleculeTrainingRun, args), settings)
    else:
        train_backbones(training_run(BackboneTrainingRun, args), settings)
    return 0
