"""``qsdiff aux equizero``: train the digits CNN and its λ nets, or classify one 8x8 digit.

    qsdiff aux equizero train -o checkpoints/aux-equizero.pt
    qsdiff aux equizero classify --image digit.json --group d4 --method equizero

``train`` fits M (a small CNN) on upright scikit-learn digits, then one λ net per group with M
frozen, and writes the checkpoint with its model card (the same name, ``.json``). ``classify``
reads an 8x8 image as JSON (a file, ``-`` for stdin, or the JSON itself): pixel values 0..16,
scikit-learn's digits scale. Both print JSON; bad input is reported on stderr with exit 2, a
missing checkpoint with 6 (``api/cli/exit_codes.py``).
The routes call :func:`load_trained` (the checkpoint is read once) and :func:`classify_digit`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from api.cli.options import int_in
from service.aux import equizero
from service.limits import MAX_SEED

__all__ = ["add_arguments", "run"]


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

    from models.aux.equizero import EquizeroTrainConfig

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    start = time.perf_counter()
    split = equizero.load_digit_split(seed=args.seed)
    cnn = EquizeroTrainConfig(epochs=args.epochs, seed=args.seed)
    lam = EquizeroTrainConfig(epochs=args.lambda_epochs, batch_size=128, seed=args.seed)
    trained = equizero.train_digits(split, cnn, lam)
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
        "test_scores": equizero.digit_report(trained, split),
        "torch_threads": torch.get_num_threads(),
        "wall_seconds": round(time.perf_counter() - start, 1),
    }
    equizero.save_trained(args.output, trained, card)
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
        raise equizero.InvalidEquizeroInput("image", f"not JSON ({e.msg}); give 8 rows of 8") from e


def _classify(args: argparse.Namespace) -> int:
    from service.config import get_settings

    image = equizero.parse_image(_read_image(args.image))
    trained = equizero.load_trained(args.checkpoint_dir or get_settings().checkpoint_dir)
    answer = equizero.classify_digit(trained, image, args.group, args.method, args.proxy)
    json.dump(asdict(answer), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run ``train`` or ``classify``."""
    return _train(args) if args.action == "train" else _classify(args)
