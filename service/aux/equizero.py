"""equizero / equitune on the 8x8 digits: train, load, classify one digit (library)."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.errors import InvalidInput, ModelUnavailable, field_error

if TYPE_CHECKING:
    from torch import Tensor

    from models.aux.equizero import DigitCNN, EquizeroTrainConfig, LambdaNet, Method, Proxy

__all__ = [
    "CHECKPOINT_NAME",
    "DIGIT_VARIANTS",
    "IMAGE_GROUPS",
    "IMAGE_SIZE",
    "PIXEL_MAX",
    "DigitAnswer",
    "DigitSplit",
    "EquizeroModelMissing",
    "InvalidEquizeroInput",
    "TrainedDigits",
    "classify_digit",
    "digit_report",
    "load_digit_split",
    "load_trained",
    "parse_image",
    "save_trained",
    "train_digits",
]

CHECKPOINT_NAME = "aux-equizero.pt"
IMAGE_SIZE = 8
PIXEL_MAX = 16.0  # scikit-learn's digits: 4x4 blocks of 32x32 bitmaps, counts 0..16
IMAGE_GROUPS = ("c4", "d4")
DIGIT_VARIANTS: dict[str, tuple[Method, Proxy]] = {
    "model": ("model", "max_prob"),
    "equitune": ("equitune", "max_prob"),
    "equizero": ("equizero", "max_prob"),
    "equizero_entropy": ("equizero", "entropy"),
    "equizero_lambda": ("equizero", "lambda"),
    "lambda_equitune": ("lambda_equitune", "max_prob"),
}


class InvalidEquizeroInput(InvalidInput):
    """A request the model cannot take; ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field_error(field, message), f"{field}: {message}")
        self.field = field
        self.message = message


class EquizeroModelMissing(ModelUnavailable):
    """No trained checkpoint where the settings point; train one with the command it names."""


@dataclass(frozen=True)
class DigitSplit:
    """Digits ``x: [B, 8, 8]`` scaled to 0..1 and labels ``y: [B]``, stratified train/test."""

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor


def load_digit_split(test_fraction: float = 1 / 3, seed: int = 0) -> DigitSplit:
    """scikit-learn's 1,797 digits, split stratified by class with ``seed``."""
    import torch
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    parts = train_test_split(
        digits.images / PIXEL_MAX,
        digits.target,
        test_size=test_fraction,
        stratify=digits.target,
        random_state=seed,
    )
    x_train, x_test, y_train, y_test = (torch.as_tensor(p) for p in parts)
    return DigitSplit(x_train.float(), y_train.long(), x_test.float(), y_test.long())


@dataclass
class TrainedDigits:
    """M and one λ net per image group (``"c4"``, ``"d4"``), in eval mode."""

    model: DigitCNN
    lambdas: dict[str, LambdaNet]
    info: dict[str, Any] = field(default_factory=dict)


def _default_configs() -> tuple[EquizeroTrainConfig, EquizeroTrainConfig]:
    from models.aux.equizero import EquizeroTrainConfig

    return EquizeroTrainConfig(epochs=30), EquizeroTrainConfig(epochs=100, batch_size=128)


def train_digits(
    split: DigitSplit,
    cnn: EquizeroTrainConfig | None = None,
    lam: EquizeroTrainConfig | None = None,
) -> TrainedDigits:
    """Train M on the upright training digits, then each group's λ with M frozen."""
    import torch

    from models.aux.equizero import GROUPS, DigitCNN, LambdaNet, train_classifier, train_lambda

    default_cnn, default_lam = _default_configs()
    cnn, lam = cnn or default_cnn, lam or default_lam
    torch.manual_seed(cnn.seed)
    model = DigitCNN()
    cnn_loss = train_classifier(model, split.x_train, split.y_train, cnn)
    lambdas, lambda_losses = {}, {}
    for name in IMAGE_GROUPS:
        net = LambdaNet(model.head.in_features)
        lambda_losses[name] = train_lambda(
            model, net, GROUPS[name](), split.x_train, split.y_train, lam
        )
        lambdas[name] = net
    info = {
        "cnn_config": asdict(cnn),
        "lambda_config": asdict(lam),
        "cnn_final_loss": cnn_loss,
        "lambda_final_loss": lambda_losses,
    }
    return TrainedDigits(model, lambdas, info)


def digit_report(trained: TrainedDigits, split: DigitSplit) -> dict[str, dict[str, dict]]:
    """Group -> variant -> test accuracy (upright, over the orbit) and orbit-consistency."""
    from models.aux.equizero import GROUPS, orbit_predictions, orbit_scores

    report = {}
    for name in IMAGE_GROUPS:
        preds = orbit_predictions(
            trained.model, GROUPS[name](), split.x_test, DIGIT_VARIANTS, trained.lambdas[name]
        )
        report[name] = {
            variant: {k: round(v, 4) for k, v in asdict(orbit_scores(p, split.y_test)).items()}
            for variant, p in preds.items()
        }
    return report


def save_trained(path: Path, trained: TrainedDigits, card: dict[str, Any]) -> None:
    """The checkpoint at ``path`` and its model card at ``path.with_suffix('.json')``."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "model": trained.model.state_dict(),
        "lambdas": {name: net.state_dict() for name, net in trained.lambdas.items()},
        "info": trained.info,
    }
    torch.save(state, path)
    card["checkpoint_bytes"] = path.stat().st_size
    path.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")


@functools.lru_cache(maxsize=2)
def _load(path: str, mtime_ns: int) -> TrainedDigits:  # noqa: ARG001 (cache key: a new file reloads)
    import torch

    from models.aux.equizero import DigitCNN, LambdaNet

    state = torch.load(path, map_location="cpu", weights_only=True)
    model = DigitCNN()
    model.load_state_dict(state["model"])
    lambdas = {}
    for name, sd in state["lambdas"].items():
        lambdas[name] = LambdaNet(model.head.in_features)
        lambdas[name].load_state_dict(sd)
        lambdas[name].eval()
    return TrainedDigits(model.eval(), lambdas, state.get("info", {}))


def load_trained(checkpoint_dir: Path) -> TrainedDigits:
    """The shipped M and λ nets from ``checkpoint_dir / aux-equizero.pt``, read once.

    Raises :class:`EquizeroModelMissing` when the file is absent.
    """
    path = checkpoint_dir / CHECKPOINT_NAME
    if not path.is_file():
        raise EquizeroModelMissing(
            f"no equizero checkpoint at {path}; train one with "
            f"'qsdiff aux equizero train -o {path}'"
        )
    return _load(str(path), path.stat().st_mtime_ns)


def parse_image(values: Any) -> Tensor:
    """An ``[8, 8]`` image of pixel values 0..16 (nested lists) as a ``[1, 8, 8]`` tensor, 0..1.

    Raises :class:`InvalidEquizeroInput` (field ``image``) saying what is wrong.
    """
    import torch

    shape = f"{IMAGE_SIZE} rows of {IMAGE_SIZE} numbers"
    if not isinstance(values, list) or len(values) != IMAGE_SIZE:
        raise InvalidEquizeroInput("image", f"expected {shape}")
    flat = []
    for row in values:
        if not isinstance(row, list) or len(row) != IMAGE_SIZE:
            raise InvalidEquizeroInput("image", f"expected {shape}; a row is not {IMAGE_SIZE}")
        for v in row:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise InvalidEquizeroInput("image", f"pixels must be finite numbers, got {v!r}")
            if not 0 <= v <= PIXEL_MAX:
                raise InvalidEquizeroInput("image", f"pixels must be in 0..16, got {v}")
            flat.append(float(v))
    return torch.tensor(flat).reshape(1, IMAGE_SIZE, IMAGE_SIZE) / PIXEL_MAX


@dataclass(frozen=True)
class DigitAnswer:
    """One answer: class probabilities, the class, ``g_*`` (equizero only), and more.

    ``group_weights`` says how the method mixes the transformed inputs (λ-equitune's view of
    every method); ``orbit_predictions`` is the method's class for every ``g x``.
    """

    probabilities: list[float]
    predicted: int
    chosen_g: str | None
    group_weights: dict[str, float]
    orbit_predictions: dict[str, int]


def classify_digit(
    trained: TrainedDigits, image: Tensor, group: str, method: str, proxy: str = "max_prob"
) -> DigitAnswer:
    """Classify ``image: [1, 8, 8]`` (0..1) with ``method`` over ``group``.

    Raises :class:`InvalidEquizeroInput` for an unknown group, method or proxy.
    """
    import torch

    from models.aux.equizero import GROUPS, METHODS, PROXIES, orbit_outputs, wrap

    for name, value, allowed in (
        ("group", group, IMAGE_GROUPS),
        ("method", method, METHODS),
        ("proxy", proxy, PROXIES),
    ):
        if value not in allowed:
            raise InvalidEquizeroInput(name, f"unknown {name} {value!r}; one of {list(allowed)}")
    g, lam = GROUPS[group](), trained.lambdas[group]
    with torch.no_grad():
        orbit = g.orbit(image)[:, 0]  # [G, 8, 8]: the answer on every g x, in one batch
        phi, logits = orbit_outputs(trained.model, g, orbit)
        out = wrap(method, phi, logits, lam, proxy)  # row h: the answer for h x
    chosen = int(out.chosen[0])
    return DigitAnswer(
        probabilities=[round(p, 6) for p in out.logits[0].softmax(-1).tolist()],
        predicted=int(out.logits[0].argmax()),
        chosen_g=g.element_names[chosen] if chosen >= 0 else None,
        group_weights=dict(zip(g.element_names, out.weights[0].tolist(), strict=True)),
        orbit_predictions=dict(zip(g.element_names, out.logits.argmax(-1).tolist(), strict=True)),
    )
