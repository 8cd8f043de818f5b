"""``qsdiff aux pdinet``: the projective-invariant digit classifier (PDINet) and its checks.

  train -o checkpoints/aux-pdinet.pt   train on upright digit cards, write weights + model card
  classify IMAGE.npy|IMAGE.png         class probabilities from the shipped checkpoint
  check --homography h11,...,h33       relative change of raw vs normalised maps under H

An image is ``H x W`` (a grey digit, ink bright on dark, painted on the upright card) or
``H x W x 3`` (a card as the model sees it: ink, x gradient, y gradient), 8 to 128 pixels a
side. Homographies act on normalised coordinates ``[-1, 1]^2`` (see
``models/aux/pdinet/homography.py``). Output is JSON on stdout; bad input exits 2, a missing
checkpoint 6 (``api/cli/exit_codes.py``).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from api.cli.options import int_in
from service.aux import pdinet
from service.limits import MAX_SEED

__all__ = ["add_arguments", "run"]


def _read_image(path: Path) -> Any:
    """An image file as an array: ``.npy``, or ``.png`` (grey or RGB, scaled to ``[0, 1]``)."""
    import numpy as np

    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if path.suffix == ".png":
        from PIL import Image

        with Image.open(path) as image:
            mode = "L" if image.mode in ("L", "LA", "I", "1") else "RGB"
            return np.asarray(image.convert(mode), dtype=np.float64) / 255.0
    raise pdinet.InvalidPDINetInput("image", f"expected a .npy or .png file, got {path.name}")


def _parse_homography(text: str) -> list[list[float]]:
    """Nine comma-separated numbers (row by row) or a JSON 3x3 list."""
    try:
        values = (
            json.loads(text)
            if text.lstrip().startswith("[")
            else [float(v) for v in text.split(",")]
        )
    except ValueError as e:
        raise pdinet.InvalidPDINetInput(
            "homography", f"cannot read the homography {text!r}: {e}"
        ) from e
    if isinstance(values, list) and len(values) == 9 and not isinstance(values[0], list):
        values = [values[0:3], values[3:6], values[6:9]]
    return values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff aux pdinet``."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    train = actions.add_parser("train", help="train on upright digits, save weights + model card")
    train.add_argument("-o", "--output", type=Path, required=True, help="checkpoint path (.pt)")
    train.add_argument("--epochs", type=int_in(1), default=15)
    train.add_argument("--seed", type=int_in(0, MAX_SEED), default=0)
    train.add_argument(
        "--size", type=int_in(11, 128), default=24, help="image side in pixels (11 to 128)"
    )
    classify_ = actions.add_parser("classify", help="class probabilities of an image file")
    classify_.add_argument("image", type=Path, help=".npy (H x W or H x W x 3) or .png")
    classify_.add_argument("--checkpoint-dir", type=Path, help="default: the settings' directory")
    check = actions.add_parser("check", help="invariance of the maps under a homography")
    check.add_argument(
        "--homography", required=True, help="h11,h12,...,h33 (row by row) or a JSON 3x3 list"
    )
    check.add_argument(
        "--size", type=int_in(32, 128), default=64, help="side of the test scene (32 to 128 px)"
    )


def run(args: argparse.Namespace) -> int:
    """Run the action; JSON on stdout (bad input and a missing checkpoint raise, for ``main``)."""
    import torch

    torch.set_num_threads(1)
    if args.action == "train":
        result = pdinet.train_and_save(args.output, args.epochs, args.seed, args.size)
    elif args.action == "classify":
        from service.config import get_settings

        if not args.image.is_file():
            raise pdinet.InvalidPDINetInput("image", f"no such file: {args.image}")
        directory = args.checkpoint_dir or get_settings().checkpoint_dir
        result = asdict(pdinet.classify(_read_image(args.image), directory))
    else:
        result = asdict(pdinet.check_invariance(_parse_homography(args.homography), args.size))
    print(json.dumps(result, indent=2))
    return 0
