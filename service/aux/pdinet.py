"""``qsdiff aux pdinet``: the projective-invariant digit classifier (PDINet) and its checks.

  train -o checkpoints/aux-pdinet.pt   train on upright digit cards, write weights + model card
  classify IMAGE.npy|IMAGE.png         class probabilities from the shipped checkpoint
  check --homography h11,...,h33       relative change of raw vs normalised maps under H

An image is ``H x W`` (a grey digit, ink bright on dark, painted on the upright card) or
``H x W x 3`` (a card as the model sees it: ink, x gradient, y gradient), 8 to 128 pixels a
side. Homographies act on normalised coordinates ``[-1, 1]^2`` (see
``models/aux/pdinet/homography.py``). Output is JSON on stdout; bad input exits 2.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.cli.options import int_in
from service.limits import MAX_SEED

if TYPE_CHECKING:
    import numpy as np

    from models.aux.pdinet import InvarianceErrors, PDINet

__all__ = [
    "CHECKPOINT_NAME",
    "Classification",
    "InvalidPDINetInput",
    "PDINetUnavailable",
    "add_arguments",
    "check_invariance",
    "classify",
    "load_classifier",
    "run",
    "train_and_save",
]

CHECKPOINT_NAME = "aux-pdinet.pt"
MIN_SIDE, MAX_SIDE = 8, 128
TRAIN_COMMAND = "qsdiff aux pdinet train -o checkpoints/aux-pdinet.pt"


class InvalidPDINetInput(ValueError):
    """A request the model cannot take; ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class PDINetUnavailable(RuntimeError):
    """No trained checkpoint where the settings point."""


@dataclass(frozen=True)
class Classification:
    """Class probabilities of one image (digits 0-9) and the most likely class."""

    probabilities: list[float]
    label: int
    checkpoint: str


def _to_array(values: Any, field: str) -> np.ndarray:
    """A finite float64 array from nested lists or an array, or :class:`InvalidPDINetInput`."""
    import numpy as np

    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InvalidPDINetInput(field, f"{field} must be a rectangular array of numbers") from e
    if not np.isfinite(array).all():
        raise InvalidPDINetInput(field, f"{field} has non-finite entries (NaN or infinity)")
    return array


def _prepare_image(values: Any, size: int) -> Any:
    """The model's input ``[1, 3, size, size]`` from an ``H x W`` or ``H x W x 3`` image."""
    import torch
    import torch.nn.functional as F

    from models.aux.pdinet import render_cards

    array = _to_array(values, "image")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3):
        raise InvalidPDINetInput(
            "image", f"expected an image of shape [H, W] or [H, W, 3], got {list(array.shape)}"
        )
    if not all(MIN_SIDE <= side <= MAX_SIDE for side in array.shape[:2]):
        raise InvalidPDINetInput(
            "image",
            f"image sides must be {MIN_SIDE} to {MAX_SIDE} pixels, got {list(array.shape[:2])}",
        )
    image = torch.as_tensor(array, dtype=torch.float32)
    if image.dim() == 2:
        peak = float(image.abs().max())
        return render_cards((image / peak if peak > 0 else image).unsqueeze(0), size)
    card = image.permute(2, 0, 1).unsqueeze(0)
    return F.interpolate(card, size=(size, size), mode="bilinear", align_corners=True)


@functools.lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> tuple[PDINet, int]:
    """The network and its image size from ``path`` (cached per file version)."""
    del mtime  # part of the cache key only: a retrained file is read again
    import torch

    from models.aux.pdinet import PDINet, PDINetConfig

    state = torch.load(path, map_location="cpu", weights_only=True)
    config = dict(state["config"])
    config["reference_channels"] = tuple(config["reference_channels"])
    model = PDINet(PDINetConfig(**config))
    model.load_state_dict(state["state_dict"])
    return model.eval(), int(state["image_size"])


def load_classifier(checkpoint_dir: Path) -> tuple[PDINet, int]:
    """The shipped PDINet (eval mode) and its input size; loaded once per checkpoint file."""
    path = checkpoint_dir / CHECKPOINT_NAME
    if not path.is_file():
        raise PDINetUnavailable(f"no PDINet checkpoint at {path}; train one with: {TRAIN_COMMAND}")
    return _load(path, path.stat().st_mtime)


def classify(values: Any, checkpoint_dir: Path) -> Classification:
    """Class probabilities of one image (nested lists or an array; see the module docstring)."""
    import torch

    model, size = load_classifier(checkpoint_dir)
    image = _prepare_image(values, size)
    with torch.no_grad():
        probabilities = torch.softmax(model(image)[0].double(), dim=-1)
    return Classification(
        probabilities=[round(float(p), 6) for p in probabilities],
        label=int(probabilities.argmax()),
        checkpoint=CHECKPOINT_NAME,
    )


def check_invariance(homography: Any, size: int = 64) -> InvarianceErrors:
    """Measurement (a) for a ``3 x 3`` homography given as nested lists or an array."""
    import torch

    from models.aux.pdinet import InvalidHomography, invariance_errors, validate_homography

    array = _to_array(homography, "homography")
    try:
        h = validate_homography(torch.as_tensor(array))
        return invariance_errors(h, size=size)
    except InvalidHomography as e:
        raise InvalidPDINetInput("homography", str(e)) from e


def train_and_save(output: Path, epochs: int, seed: int, size: int) -> dict[str, Any]:
    """Train PDINet on upright digit cards, save weights and the model card; the card."""
    import torch

    from models.aux.pdinet import (
        PDINet,
        PDINetConfig,
        TrainConfig,
        accuracy,
        homography_accuracy,
        load_digits_split,
        num_parameters,
        render_cards,
        train_classifier,
    )
    from service.training.checkpoint_files import save_atomically

    torch.manual_seed(seed)
    split = load_digits_split(seed=seed)
    config, train = PDINetConfig(), TrainConfig(epochs=epochs, seed=seed)
    model = PDINet(config)
    start = time.perf_counter()
    losses = train_classifier(
        model, render_cards(split.train_images, size), split.train_labels, train
    )
    seconds = time.perf_counter() - start
    save_atomically(
        {"config": asdict(config), "state_dict": model.state_dict(), "image_size": size}, output
    )
    card = {
        "model": "PDINet (Li et al., NeurIPS 2025)",
        "command": f"qsdiff aux pdinet train -o {output} "
        f"--epochs {epochs} --seed {seed} --size {size}",
        "data": f"scikit-learn load_digits (8x8) drawn as Gaussian ink spots on a colour-graded "
        f"card at {size}x{size}; "
        f"{len(split.train_labels)} train / {len(split.test_labels)} test, trained upright",
        "config": asdict(config),
        "train": asdict(train),
        "parameters": num_parameters(model),
        "final_loss": round(losses[-1], 4),
        "train_seconds": round(seconds, 1),
        "threads": torch.get_num_threads(),
        "accuracy": {
            "upright": accuracy(model, render_cards(split.test_images, size), split.test_labels),
            "homography": {
                "strength": 1.0,
                "seed": seed + 1,
                "accuracy": homography_accuracy(
                    model, split.test_images, split.test_labels, size, 1.0, seed + 1
                ),
            },
        },
    }
    output.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")
    return card


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
    raise InvalidPDINetInput("image", f"expected a .npy or .png file, got {path.name}")


def _parse_homography(text: str) -> list[list[float]]:
    """Nine comma-separated numbers (row by row) or a JSON 3x3 list."""
    try:
        values = (
            json.loads(text)
            if text.lstrip().startswith("[")
            else [float(v) for v in text.split(",")]
        )
    except ValueError as e:
        raise InvalidPDINetInput("homography", f"cannot read the homography {text!r}: {e}") from e
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
    """Run the action; JSON on stdout, a message on stderr and exit 2 for bad input."""
    import torch

    torch.set_num_threads(1)
    try:
        if args.action == "train":
            result = train_and_save(args.output, args.epochs, args.seed, args.size)
        elif args.action == "classify":
            from service.config import get_settings

            if not args.image.is_file():
                raise InvalidPDINetInput("image", f"no such file: {args.image}")
            directory = args.checkpoint_dir or get_settings().checkpoint_dir
            result = asdict(classify(_read_image(args.image), directory))
        else:
            result = asdict(check_invariance(_parse_homography(args.homography), args.size))
    except (InvalidPDINetInput, PDINetUnavailable) as e:
        print(f"qsdiff aux pdinet: {e}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0
