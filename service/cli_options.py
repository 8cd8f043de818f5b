"""Command-line options every generating or training command shares, defined once."""

from __future__ import annotations

import argparse
from pathlib import Path

from models.objectives import TREATMENTS

__all__ = ["add_generation_options", "add_training_options"]


def add_generation_options(parser: argparse.ArgumentParser, task: str, steps: int) -> None:
    """Model, sampler, seed, output and ``--server`` options of ``qsdiff TASKs``."""
    parser.add_argument("--treatment", choices=TREATMENTS, default="quotient")
    parser.add_argument("--checkpoint", type=Path, help=f"default: checkpoints/{task}-TREATMENT.pt")
    parser.add_argument("--sampler", choices=("ode", "sde"), default="ode")
    parser.add_argument("--steps", type=int, default=steps)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    parser.add_argument("--server", help="submit jobs to this qsdiff server instead (URL)")
    parser.add_argument("--api-key", help="bearer key for --server")


def add_training_options(
    parser: argparse.ArgumentParser,
    task: str,
    *,
    batch_size: int,
    lr: float,
    hidden: int,
    layers: int,
    val_every: int,
) -> None:
    """Treatment, checkpoint, optimiser, network size and schedule of ``qsdiff train TASKs``."""
    parser.add_argument("--treatment", choices=TREATMENTS, required=True)
    parser.add_argument("--checkpoint", type=Path, help=f"default: checkpoints/{task}-TREATMENT.pt")
    parser.add_argument("--steps", type=int, default=10_000, help="train until this many steps")
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument(
        "--lr",
        type=float,
        help=f"learning rate (default {lr}); on resume the checkpoint's own rate unless given, "
        "so a later run can continue at a lower one",
    )
    parser.set_defaults(new_model_lr=lr)
    parser.add_argument("--hidden", type=int, default=hidden)
    parser.add_argument("--layers", type=int, default=layers)
    parser.add_argument("--val-every", type=int, default=val_every)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--seed", type=int, default=0)
