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
    weight_floor: float = 0.1,
    auxiliary_weight: float | None = None,
) -> None:
    """Treatment, checkpoint, optimiser, network size and schedule of ``qsdiff train TASKs``.

    ``auxiliary_weight`` (the default of ``--auxiliary-weight``) is given by tasks that have an
    auxiliary loss; the option exists only for them.
    """
    parser.add_argument("--treatment", choices=TREATMENTS, required=True)
    parser.add_argument("--checkpoint", type=Path, help=f"default: checkpoints/{task}-TREATMENT.pt")
    parser.add_argument("--steps", type=int, default=10_000, help="train until this many steps")
    parser.add_argument(
        "--batch-size",
        type=int,
        help=f"examples per step (default {batch_size}); on resume the checkpoint's own unless "
        "given",
    )
    parser.add_argument(
        "--lr",
        type=float,
        help=f"learning rate (default {lr}); on resume the checkpoint's own rate unless given, "
        "so a later run can continue at a lower one",
    )
    parser.add_argument(
        "--weight-floor",
        type=float,
        help=f"loss weight 1 / (alpha_t^2 + floor) (default {weight_floor}; a lower floor weighs "
        "the last steps before the data more); on resume the checkpoint's own unless given",
    )
    parser.set_defaults(
        new_model_lr=lr,
        new_model_batch_size=batch_size,
        new_model_weight_floor=weight_floor,
        auxiliary_weight=None,  # tasks without an auxiliary loss have no option for it
        new_model_auxiliary_weight=0.0,
    )
    if auxiliary_weight is not None:
        parser.add_argument(
            "--auxiliary-weight",
            type=float,
            help=f"weight of the task's auxiliary loss (default {auxiliary_weight}); on resume "
            "the checkpoint's own unless given",
        )
        parser.set_defaults(new_model_auxiliary_weight=auxiliary_weight)
    parser.add_argument("--hidden", type=int, default=hidden)
    parser.add_argument("--layers", type=int, default=layers)
    parser.add_argument("--val-every", type=int, default=val_every)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--seed", type=int, default=0)
