"""Command-line options every generating or training command shares, and their usage error."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

from models.objectives import TREATMENTS
from service.errors import InvalidInput
from service.limits import MAX_SEED
from service.training.options import OptimiserDefaults

__all__ = [
    "add_generation_options",
    "add_training_options",
    "float_in",
    "int_in",
    "usage_error",
]


def usage_error(option: str, message: str) -> InvalidInput:
    """``message`` about the command line's ``option`` as the project's :class:`InvalidInput`.

    Raised, it reaches ``qsdiff``'s one error mapping (``api/cli/exit_codes.py``): one line on
    stderr and exit status 2, as argparse's own usage errors.
    """
    return InvalidInput([{"loc": [option], "msg": message}], message)


def int_in(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: an integer in ``[low, high]``, else a usage error naming the range.

    Checking at parse time keeps a bad value from reaching code that fails on it with a
    traceback (numpy on a negative seed, RDKit on a seed past 32 bits).
    """
    bounds = f"at least {low}" if high is None else f"between {low} and {high}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {bounds}, not {value}")
        return value

    return parse


def float_in(
    low: float, high: float = math.inf, *, low_open: bool = False
) -> Callable[[str], float]:
    """An argparse ``type``: a number in ``[low, high]`` (``(low, high]`` if ``low_open``)."""
    bounds = f"above {low:g}" if low_open else f"at least {low:g}"
    if high < math.inf:
        bounds = f"{bounds} and at most {high:g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        inside = (low < value if low_open else low <= value) and value <= high
        if not inside:  # also for nan
            raise argparse.ArgumentTypeError(f"must be {bounds}, not {text}")
        return value

    return parse


def add_generation_options(
    parser: argparse.ArgumentParser,
    task: str,
    steps: int | None,
    max_steps: int | None = None,
    steps_help: str | None = None,
    *,
    checkpoint: bool = True,
    sampler: str = "ode",
) -> None:
    """Model, sampler, seed, output and ``--server`` options of ``qsdiff TASKs``.

    ``steps`` None: the task picks the default from other options (``steps_help`` says how).
    ``checkpoint`` False: the command takes its models from the checkpoint folder only.
    ``sampler``: the task's default sampler.
    """
    parser.add_argument("--treatment", choices=TREATMENTS, default="quotient")
    if checkpoint:
        parser.add_argument(
            "--checkpoint", type=Path, help=f"default: checkpoints/{task}-TREATMENT.pt"
        )
    parser.add_argument("--sampler", choices=("ode", "sde"), default=sampler)
    parser.add_argument(
        "--steps",
        type=int_in(1, max_steps),
        default=steps,
        help=steps_help,
    )
    parser.add_argument("--seed", type=int_in(0, MAX_SEED), default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    parser.add_argument("--server", help="submit jobs to this qsdiff server instead (URL)")
    parser.add_argument("--api-key", help="bearer key for --server")


def add_training_options(
    parser: argparse.ArgumentParser,
    task: str,
    new_model: OptimiserDefaults,
    *,
    auxiliary: bool = False,
    diffusion: bool = True,
) -> None:
    """Treatment, checkpoint, optimiser, network size and schedule of ``qsdiff train TASKs``.

    Only ``auxiliary`` tasks (those with an auxiliary loss) get ``--auxiliary-weight``; only
    ``diffusion`` ones a ``--treatment`` and a ``--weight-floor`` (the de novo graph model is a
    language model). Options left out are None, so the task's training run keeps its defaults.
    """
    if diffusion:
        parser.add_argument("--treatment", choices=TREATMENTS, required=True)
    checkpoint = f"{task}-TREATMENT.pt" if diffusion else f"{task}.pt"
    parser.add_argument("--checkpoint", type=Path, help=f"default: checkpoints/{checkpoint}")
    parser.add_argument("--steps", type=int_in(1), help="train until this many steps")
    parser.add_argument(
        "--batch-size",
        type=int_in(1),
        help=f"examples per step (default {new_model.batch_size}); on resume the checkpoint's "
        "own unless given",
    )
    parser.add_argument(
        "--lr",
        type=float_in(0.0, low_open=True),
        help=f"learning rate (default {new_model.lr}); on resume the checkpoint's own rate unless "
        "given, so a later run can continue at a lower one",
    )
    if diffusion:
        parser.add_argument(
            "--weight-floor",
            type=float_in(0.0, low_open=True),
            help=f"loss weight 1 / (alpha_t^2 + floor) (default {new_model.weight_floor}; a lower "
            "floor weighs the last steps before the data more); on resume the checkpoint's own "
            "unless given",
        )
    if auxiliary:
        parser.add_argument(
            "--auxiliary-weight",
            type=float_in(0.0),
            help=f"weight of the task's auxiliary loss (default {new_model.auxiliary_weight}); on "
            "resume the checkpoint's own unless given",
        )
    parser.add_argument("--hidden", type=int_in(1))
    parser.add_argument("--layers", type=int_in(1))
    parser.add_argument("--val-every", type=int_in(1))
    parser.add_argument("--device", help="cpu or cuda")
    parser.add_argument("--seed", type=int_in(0, MAX_SEED))
