"""Latent group actions: an autoencoder whose latent code carries a digit's rotation (library)."""

from __future__ import annotations

import functools
import json
import math
import struct
import time
import zlib
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.errors import InvalidInput, ModelUnavailable, field_error

if TYPE_CHECKING:
    import numpy as np

    from models.aux.latent import LatentActionAE, LatentTrainConfig

__all__ = [
    "CHECKPOINT_NAME",
    "IMAGE_SIDE",
    "MAX_ABS_ANGLE",
    "MAX_ANGLES",
    "LatentInputError",
    "LatentModelMissing",
    "load_models",
    "png_bytes",
    "transform_image",
]

CHECKPOINT_NAME = "aux-latent.pt"
IMAGE_SIDE = 24
MAX_ANGLES = 16
MAX_ABS_ANGLE = 36_000.0
"""Degrees; a hundred turns is far more than any caller needs, and keeps floats exact enough."""
_FORMAT = "qsdiff-aux-latent/1"


class LatentInputError(InvalidInput):
    """A bad image or angle; ``field`` names the input to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field_error(field, message, typed=False), f"{field}: {message}")
        self.field = field
        self.message = message


class LatentModelMissing(ModelUnavailable):
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

    from models.aux.latent import LatentActionAE, LatentConfig

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


def train_and_save(output: Path, train: LatentTrainConfig) -> dict[str, Any]:
    """Fit both models, write ``output`` and its card (``.json``); returns the card."""
    import torch

    from models.aux import latent as la

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
