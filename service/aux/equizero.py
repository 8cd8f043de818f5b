"""``qsdiff aux equizero``: train the digits CNN and its λ nets, or classify one 8x8 digit.

    qsdiff aux equizero train -o checkpoints/aux-equizero.pt
    qsdiff aux equizero classify --image digit.json --group d4 --method equizero

``train`` fits M (a small CNN) on upright scikit-learn digits, then one λ net per group with M
frozen, and writes the checkpoint with its model card (the same name, ``.json``). ``classify``
reads an 8x8 image as JSON (a file, ``-`` for stdin, or the JSON itself): pixel values 0..16,
scikit-learn's digits scale. Both print JSON; bad input is reported on stderr with exit 2.
The routes call :func:`load_trained` (the checkpoint is read once) and :func:`classify_digit`.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.cli.options import int_in
from service.limits import MAX_SEED

if TYPE_CHECKING:
    from torch import Tensor

    from models.aux.equizero import DigitCNN, LambdaNet, Method, Proxy, TrainConfig

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
    "add_arguments",
    "classify_digit",
    "digit_report",
    "load_digit_split",
    "load_trained",
    "parse_image",
    "run",
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


class InvalidEquizeroInput(ValueError):
    """A request the model cannot take; ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class EquizeroModelMissing(RuntimeError):
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


def _default_configs() -> tuple[TrainConfig, TrainConfig]:
    from models.aux.equizero import TrainConfig

    return TrainConfig(epochs=30), TrainConfig(epochs=100, batch_size=128)


def train_digits(
    split: DigitSplit, cnn: TrainConfig | None = None, lam: TrainConfig | None = None
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


def _save(path: Path, trained: TrainedDigits, card: dict[str, Any]) -> None:
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff aux equizero``."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    train = actions.add_parser("train", help="train M and the λ nets; write checkpoint + card")
    train.add_argument("-o", "--output", type=Path, required=True, help="checkpoint (.pt)")
    train.add_argument("--epochs", type=int_in(1), default=30, help="epochs of M")
    train.add_argument("--lambda-epochs", type=int_in(1), default=100, help="epochs of each λ net")
    train.add_argument("--seed", type=int_in(0, MAX_SEED), default=0)
    classify = actions.add_parser("classify", help="classify one 8x8 digit (JSON out)")
    classify.add_argument("--image", required=True, help="8x8 JSON, 0..16: file, '-' or inline")
    classify.add_argument("--group", default="c4", help="c4 or d4")
    classify.add_argument(
        "--method", default="equizero", help="model, equitune, equizero, lambda_equitune"
    )
    classify.add_argument(
        "--proxy", default="max_prob", help="equizero's loss: max_prob, entropy, lambda"
    )
    classify.add_argument("--checkpoint-dir", type=Path, help="default: the settings'")


def _train(args: argparse.Namespace) -> int:
    import torch

    from models.aux.equizero import TrainConfig

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    start = time.perf_counter()
    split = load_digit_split(seed=args.seed)
    cnn = TrainConfig(epochs=args.epochs, seed=args.seed)
    lam = TrainConfig(epochs=args.lambda_epochs, batch_size=128, seed=args.seed)
    trained = train_digits(split, cnn, lam)
    card = {
        "model": "equizero / equitune / λ-equitune wrappers of a digits CNN (Basu et al. 2023)",
        "command": f"qsdiff aux equizero train -o {args.output} --epochs {args.epochs} "
        f"--lambda-epochs {args.lambda_epochs} --seed {args.seed}",
        "data": {
            "source": "sklearn.datasets.load_digits (8x8, 0..16, scaled to 0..1)",
            "train": len(split.y_train),
            "test": len(split.y_test),
            "split": f"stratified, test 1/3, seed {args.seed}",
        },
        "parameters": {
            "cnn": sum(p.numel() for p in trained.model.parameters()),
            "lambda_each": sum(p.numel() for p in trained.lambdas["c4"].parameters()),
        },
        "training": trained.info,
        "test_scores": digit_report(trained, split),
        "torch_threads": torch.get_num_threads(),
        "wall_seconds": round(time.perf_counter() - start, 1),
    }
    _save(args.output, trained, card)
    json.dump(card, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


def _read_image(text: str) -> Any:
    """The image JSON from a file, stdin (``-``) or the argument itself."""
    if text == "-":
        text = sys.stdin.read()
    elif not text.lstrip().startswith("[") and Path(text).is_file():
        text = Path(text).read_text()
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidEquizeroInput("image", f"not JSON ({e.msg}); give 8 rows of 8") from e


def _classify(args: argparse.Namespace) -> int:
    from service.config import get_settings

    try:
        image = parse_image(_read_image(args.image))
        trained = load_trained(args.checkpoint_dir or get_settings().checkpoint_dir)
        answer = classify_digit(trained, image, args.group, args.method, args.proxy)
    except (InvalidEquizeroInput, EquizeroModelMissing) as e:
        sys.stderr.write(f"qsdiff aux equizero: {e}\n")
        return 2
    json.dump(asdict(answer), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run ``train`` or ``classify``."""
    return _train(args) if args.action == "train" else _classify(args)
