"""``qsdiff train TASK``: the options of each training task (``run`` is the task's own module).

``conformers`` (:mod:`service.conformers.train`), ``molecules`` (:mod:`service.molecules.train`),
``backbones`` (:mod:`service.backbones.train`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from api.cli.options import add_training_options, int_in

__all__ = ["add_backbones_arguments", "add_conformers_arguments", "add_molecules_arguments"]


def add_conformers_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff train conformers``."""
    add_training_options(
        parser, "conformer", batch_size=64, lr=1e-3, hidden=64, layers=5, val_every=1000
    )
    parser.add_argument("--val-molecules", type=int_in(1), default=256)
    parser.add_argument(
        "--limit-train", type=int_in(1), help="use only the first N training molecules (QM9)"
    )
    parser.add_argument("--data", choices=("qm9", "druglike"), default="qm9")
    parser.add_argument(
        "--init", type=Path, help="a new checkpoint starts from this checkpoint's weights"
    )
    parser.add_argument(
        "--max-atoms",
        type=int_in(2),
        default=128,
        help="drug-like molecules larger than this (atoms with H) are left out of training",
    )


def add_molecules_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff train molecules``."""
    add_training_options(
        parser, "molecule", batch_size=64, lr=5e-4, hidden=64, layers=6, val_every=500
    )
    parser.add_argument("--val-samples", type=int_in(1), default=64)


def add_backbones_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff train backbones``."""
    add_training_options(
        parser,
        "backbone",
        batch_size=16,
        lr=5e-4,
        hidden=128,
        layers=4,
        val_every=500,
        weight_floor=0.01,
        auxiliary_weight=1.0,
    )
    parser.add_argument(
        "--data",
        type=Path,
        help="chains: an npz set or a folder of PDB / mmCIF files (default: proteins/train.npz)",
    )
    parser.add_argument(
        "--min-length",
        type=int_in(2),
        default=32,
        help="shortest crop; shorter chains are left out",
    )
    parser.add_argument("--max-length", type=int_in(2), default=128, help="longest crop")
    parser.add_argument("--val-samples", type=int_in(1), default=8)
    parser.add_argument(
        "--self-conditioning",
        action="store_true",
        help="condition the network on its previous prediction; a resumed network trained "
        "without it keeps its weights and gains the new layers, starting at zero",
    )
