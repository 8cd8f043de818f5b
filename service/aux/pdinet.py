"""PDINet, the projective-invariant digit classifier: train, load, classify, check (library)."""

from __future__ import annotations

import functools
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.errors import InvalidInput, ModelUnavailable, field_error

if TYPE_CHECKING:
    import numpy as np

    from models.aux.pdinet import InvarianceErrors, PDINet

__all__ = [
    "CHECKPOINT_NAME",
    "Classification",
    "InvalidPDINetInput",
    "PDINetUnavailable",
    "check_invariance",
    "classify",
    "load_classifier",
    "train_and_save",
]

CHECKPOINT_NAME = "aux-pdinet.pt"
MIN_SIDE, MAX_SIDE = 8, 128
TRAIN_COMMAND = "qsdiff aux pdinet train -o checkpoints/aux-pdinet.pt"


class InvalidPDINetInput(InvalidInput):
    """A request the model cannot take; ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field_error(field, message), message)
        self.field = field


class PDINetUnavailable(ModelUnavailable):
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
        PDINetTrainConfig,
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
    config, train = PDINetConfig(), PDINetTrainConfig(epochs=epochs, seed=seed)
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
