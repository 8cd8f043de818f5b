"""``qsdiff aux latent``: an autoencoder whose latent code carries the rotation of a digit.

``train -o checkpoints/aux-latent.pt`` fits the two models (plain rotated digits, and rotated
digits under a fixed occluder) on one thread and writes the checkpoint with its model card
(``.json`` beside it). ``transform --input image.npy --angle 30 [--angle 45 ...]`` renders the
rotated image (24x24, values in [0, 1]; several angles compose) to ``-o out.npy``, ``.json`` or
``.png``, or as JSON on stdout. Exit status: 0 on success, 2 on a usage error, 6 without a
checkpoint (``api/cli/exit_codes.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.cli.options import int_in
from service.aux import latent
from service.limits import MAX_SEED

if TYPE_CHECKING:
    import numpy as np

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff aux latent``.

    ``train`` fits the two models; ``transform`` renders a rotated image.
    """
    commands = parser.add_subparsers(dest="latent_command", required=True, metavar="COMMAND")
    train = commands.add_parser("train", help="fit both models and write the checkpoint")
    train.add_argument("-o", "--output", type=Path, required=True, help="checkpoint (.pt)")
    train.add_argument("--steps", type=int_in(1), default=2000, help="optimiser steps per model")
    train.add_argument("--seed", type=int_in(0, MAX_SEED), default=0)
    train.add_argument("--threads", type=int_in(1), default=1, help="torch threads")
    transform = commands.add_parser("transform", help="rotate an image through the latent code")
    transform.add_argument(
        "--input", type=Path, required=True, help="24x24 image: .npy or .json (nested list)"
    )
    transform.add_argument(
        "--angle", type=float, action="append", required=True,
        help="degrees, counter-clockwise; repeat to compose",
    )  # fmt: skip
    transform.add_argument("--occluded", action="store_true", help="the occluded-digit model")
    transform.add_argument("-o", "--output", type=Path, help=".npy, .json or .png; default stdout")
    transform.add_argument(
        "--checkpoint", type=Path, help=f"default: CHECKPOINT_DIR/{latent.CHECKPOINT_NAME}"
    )


def _read_image(path: Path) -> Any:
    import numpy as np

    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if path.suffix == ".json":
        return json.loads(path.read_text())
    raise latent.LatentInputError("--input", "must end in .npy or .json")


def _write_image(image: np.ndarray, output: Path | None) -> None:
    import numpy as np

    if output is None:
        sys.stdout.write(json.dumps({"image": np.round(image, 5).tolist()}) + "\n")
    elif output.suffix == ".npy":
        np.save(output, image)
    elif output.suffix == ".png":
        output.write_bytes(latent.png_bytes(image))
    else:
        output.write_text(json.dumps(np.round(image, 5).tolist()) + "\n")


def _transform(args: argparse.Namespace) -> int:
    from service.config import get_settings

    if args.output is not None and args.output.suffix not in (".npy", ".json", ".png"):
        raise latent.LatentInputError("-o/--output", "must end in .npy, .json or .png")
    if not args.input.is_file():
        raise latent.LatentInputError("--input", f"no such file: {args.input}")
    try:
        image = _read_image(args.input)
    except (OSError, ValueError) as e:
        raise latent.LatentInputError("--input", f"cannot read {args.input}: {e}") from e
    checkpoint = args.checkpoint or get_settings().checkpoint_dir / latent.CHECKPOINT_NAME
    _write_image(latent.transform_image(image, args.angle, args.occluded, checkpoint), args.output)
    return 0


def run(args: argparse.Namespace) -> int:
    """Train or transform; see the module docstring for exit codes."""
    if args.latent_command == "transform":
        return _transform(args)
    import torch

    from models.aux.latent import LatentTrainConfig

    torch.set_num_threads(args.threads)
    card = latent.train_and_save(args.output, LatentTrainConfig(steps=args.steps, seed=args.seed))
    sys.stdout.write(json.dumps(card["heldout"], indent=2) + "\n")
    return 0
