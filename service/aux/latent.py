"""``qsdiff aux latent``: an autoencoder whose latent code carries the rotation of a digit.

``train -o checkpoints/aux-latent.pt`` fits the two models (plain rotated digits, and rotated
digits under a fixed occluder) on one thread and writes the checkpoint with its model card
(``.json`` beside it). ``transform --input image.npy --angle 30 [--angle 45 ...]`` renders the
rotated image (24x24, values in [0, 1]; several angles compose) to ``-o out.npy``, ``.json`` or
``.png``, or as JSON on stdout. Exit status: 0 on success, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import struct
import sys
import time
import zlib
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.cli.options import int_in
from service.limits import MAX_SEED

if TYPE_CHECKING:
    import numpy as np

    from models.aux.latent_actions import LatentActionAE, TrainConfig

__all__ = [
    "CHECKPOINT_NAME",
    "IMAGE_SIDE",
    "MAX_ABS_ANGLE",
    "MAX_ANGLES",
    "LatentInputError",
    "LatentModelMissing",
    "add_arguments",
    "load_models",
    "png_bytes",
    "run",
    "transform_image",
]

CHECKPOINT_NAME = "aux-latent.pt"
IMAGE_SIDE = 24
MAX_ANGLES = 16
MAX_ABS_ANGLE = 36_000.0
"""Degrees; a hundred turns is far more than any caller needs, and keeps floats exact enough."""
_FORMAT = "qsdiff-aux-latent/1"


class LatentInputError(ValueError):
    """A bad image or angle; ``field`` names the input to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class LatentModelMissing(LookupError):
    """No trained checkpoint where the settings say it is."""


def validate_image(image: Any) -> np.ndarray:
    """A ``[24, 24]`` float32 array in [0, 1], or :class:`LatentInputError` saying what is off."""
    import numpy as np

    try:
        array = np.asarray(image, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise LatentInputError(
            "image", f"expected numbers in a {IMAGE_SIDE}x{IMAGE_SIDE} grid"
        ) from e
    if array.shape != (IMAGE_SIDE, IMAGE_SIDE):
        raise LatentInputError(
            "image", f"expected shape [{IMAGE_SIDE}, {IMAGE_SIDE}], got {list(array.shape)}"
        )
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
        raise LatentInputError("image", "values must be finite and within [0, 1]")
    return array


def validate_angles(angles: list[float]) -> list[float]:
    """Angles in degrees, 1 to ``MAX_ANGLES`` of them, finite and within ``MAX_ABS_ANGLE``."""
    if not 1 <= len(angles) <= MAX_ANGLES:
        raise LatentInputError("angle_degrees", f"give 1 to {MAX_ANGLES} angles, got {len(angles)}")
    for a in angles:
        if not math.isfinite(a) or abs(a) > MAX_ABS_ANGLE:
            raise LatentInputError(
                "angle_degrees", f"angles must be finite and within ±{MAX_ABS_ANGLE:g}, got {a}"
            )
    return [float(a) for a in angles]


@functools.lru_cache(maxsize=4)
def load_models(path: Path) -> dict[str, LatentActionAE]:
    """``{"plain": model, "occluded": model}`` from ``path``, loaded once per path."""
    import torch

    from models.aux.latent_actions import LatentActionAE, LatentConfig

    if not path.is_file():
        raise LatentModelMissing(
            f"no latent-action checkpoint at {path}; train one with "
            f"'qsdiff aux latent train -o {path}'"
        )
    blob = torch.load(path, map_location="cpu", weights_only=True)
    if blob.get("format") != _FORMAT:
        raise LatentModelMissing(f"{path} is not a {_FORMAT} checkpoint")
    models = {}
    for name, entry in blob["models"].items():
        model = LatentActionAE(LatentConfig(**entry["config"]))
        model.load_state_dict(entry["state_dict"])
        models[name] = model.eval()
    return models


def transform_image(
    image: Any, angles_degrees: list[float], occluded: bool, checkpoint: Path
) -> np.ndarray:
    r"""``D(rho(g_n) ... rho(g_1) E(x))``: the image turned by each angle in turn, ``[24, 24]``."""
    import torch

    array = validate_image(image)
    angles = validate_angles(angles_degrees)
    model = load_models(checkpoint)["occluded" if occluded else "plain"]
    with torch.no_grad():
        z = model.encode(torch.from_numpy(array)[None])
        for a in angles:
            z = model.act(z, torch.tensor([math.radians(a)]))
        return model.decode(z)[0].numpy()


def png_bytes(image: np.ndarray) -> bytes:
    """An 8-bit greyscale PNG of ``image: [H, W]`` in [0, 1] (zlib only, no imaging library)."""
    import numpy as np

    pixels = np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)
    rows = b"".join(b"\x00" + row.tobytes() for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", pixels.shape[1], pixels.shape[0], 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def train_and_save(output: Path, train: TrainConfig) -> dict[str, Any]:
    """Fit both models, write ``output`` and its card (``.json``); returns the card."""
    import torch

    from models.aux import latent_actions as la

    train_digits, test_digits = la.split_digits(la.load_digit_images())
    start = time.perf_counter()
    models, metrics = {}, {}
    for name in ("plain", "occluded"):
        config = la.LatentConfig(occluded=name == "occluded")
        model = la.train_model(train_digits, config, train)
        models[name] = {"config": asdict(config), "state_dict": model.state_dict()}
        metrics[name] = la.heldout_metrics(model, test_digits, config.occluded)
    output.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": _FORMAT, "models": models, "train": asdict(train)}, output)
    card = {
        "model": "latent group actions (Jin, Shrivastava, Fletcher, NeurIPS 2024)",
        "command": "qsdiff aux latent train -o " + str(output) + f" --steps {train.steps}"
        f" --seed {train.seed}",
        "data": "scikit-learn load_digits (1,797 8x8 digits) upsampled to 16x16 in a 24x24 canvas;"
        f" {len(train_digits)} train / {len(test_digits)} held-out digits (seeded split);"
        " occluded: a fixed grey 7x7 block painted after rotating",
        "train": asdict(train),
        "threads": torch.get_num_threads(),
        "train_seconds": round(time.perf_counter() - start, 1),
        "parameters_per_model": sum(p.numel() for p in model.parameters()),
        "checkpoint_bytes": output.stat().st_size,
        "heldout": metrics,
    }
    output.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")
    return card


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff aux latent``."""
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
        "--checkpoint", type=Path, help=f"default: CHECKPOINT_DIR/{CHECKPOINT_NAME}"
    )


def _read_image(path: Path) -> Any:
    import numpy as np

    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if path.suffix == ".json":
        return json.loads(path.read_text())
    raise LatentInputError("--input", "must end in .npy or .json")


def _write_image(image: np.ndarray, output: Path | None) -> None:
    import numpy as np

    if output is None:
        sys.stdout.write(json.dumps({"image": np.round(image, 5).tolist()}) + "\n")
    elif output.suffix == ".npy":
        np.save(output, image)
    elif output.suffix == ".png":
        output.write_bytes(png_bytes(image))
    else:
        output.write_text(json.dumps(np.round(image, 5).tolist()) + "\n")


def _transform(args: argparse.Namespace) -> int:
    from service.config import get_settings

    if args.output is not None and args.output.suffix not in (".npy", ".json", ".png"):
        raise LatentInputError("-o/--output", "must end in .npy, .json or .png")
    if not args.input.is_file():
        raise LatentInputError("--input", f"no such file: {args.input}")
    try:
        image = _read_image(args.input)
    except (OSError, ValueError) as e:
        raise LatentInputError("--input", f"cannot read {args.input}: {e}") from e
    checkpoint = args.checkpoint or get_settings().checkpoint_dir / CHECKPOINT_NAME
    _write_image(transform_image(image, args.angle, args.occluded, checkpoint), args.output)
    return 0


def run(args: argparse.Namespace) -> int:
    """Train or transform; see the module docstring for exit codes."""
    try:
        if args.latent_command == "transform":
            return _transform(args)
        import torch

        from models.aux.latent_actions import TrainConfig

        torch.set_num_threads(args.threads)
        card = train_and_save(args.output, TrainConfig(steps=args.steps, seed=args.seed))
        sys.stdout.write(json.dumps(card["heldout"], indent=2) + "\n")
        return 0
    except (LatentInputError, LatentModelMissing) as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
