"""``qsdiff bench aux pdinet``: PDINet's invariance and out-of-distribution accuracy, as JSON.

(a) Invariance: for random homographies, the relative change of the raw Gaussian jet, the
unnormalised relative invariants and the normalised invariants of a smooth 3-channel scene at
corresponding points (``models/aux/pdinet/metrics.py``). Claim: normalised small, raw large.

(b) Digits (scikit-learn ``load_digits``) on a colour-graded card, trained upright, tested
upright and through one random homography per test image at several strengths: PDINet against
a plain CNN with a similar parameter count, same data, optimiser, epochs and seed. Claim (the
paper: +11.4 points on STL-10, +5.7 on Imagenette): PDINet is more accurate out of
distribution. ``--quick`` runs a small budget for the tests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass

import torch
from torch import nn

from models.aux.pdinet import (
    CNN,
    CNNConfig,
    PDINet,
    PDINetConfig,
    PDINetTrainConfig,
    accuracy,
    homography_accuracy,
    invariance_errors,
    load_digits_split,
    num_parameters,
    random_homographies,
    render_cards,
    train_classifier,
    validate_homography,
)

__all__ = ["BenchConfig", "main", "measure_classification", "measure_invariance"]

PDINET = PDINetConfig()
BASELINE = CNNConfig()


@dataclass(frozen=True)
class BenchConfig:
    """Budget of one run; :meth:`quick` is the tests' small one."""

    seed: int = 0
    image_size: int = 24
    epochs: int = 15
    max_train: int | None = None
    max_test: int | None = None
    num_homographies: int = 20
    strengths: tuple[float, ...] = (0.5, 1.0, 1.5)

    @classmethod
    def quick(cls, seed: int = 0) -> BenchConfig:
        """A few epochs on a subset: seconds, not minutes."""
        return cls(seed=seed, epochs=8, max_train=500, max_test=200, num_homographies=4)


def measure_invariance(config: BenchConfig, strength: float = 1.0) -> dict:
    """(a) over ``num_homographies`` random homographies: mean and worst of each family."""
    generator = torch.Generator().manual_seed(config.seed)
    runs = [
        invariance_errors(validate_homography(h))
        for h in random_homographies(config.num_homographies, strength, generator)
    ]
    families = ("raw_derivatives", "relative_invariants", "normalised_invariants")
    summary = {
        name: {
            "mean": round(statistics.fmean(getattr(r, name) for r in runs), 4),
            "max": round(max(getattr(r, name) for r in runs), 4),
            "min": round(min(getattr(r, name) for r in runs), 4),
        }
        for name in families
    }
    return {
        "strength": strength,
        "num_homographies": len(runs),
        "scene_size": 64,
        "relative_error": summary,
        "raw_over_normalised": round(
            summary["raw_derivatives"]["mean"] / summary["normalised_invariants"]["mean"], 1
        ),
        "det_range": [
            round(min(r.det_min for r in runs), 3),
            round(max(r.det_max for r in runs), 3),
        ],
    }


def _score(model: nn.Module, config: BenchConfig, train: tuple, test: tuple) -> dict:
    """Train ``model`` upright, then its accuracy upright and at every strength."""
    torch.manual_seed(config.seed)
    start = time.perf_counter()
    train_config = PDINetTrainConfig(epochs=config.epochs, seed=config.seed)
    losses = train_classifier(
        model, render_cards(train[0], config.image_size), train[1], train_config
    )
    seconds = time.perf_counter() - start
    digits, labels = test
    return {
        "parameters": num_parameters(model),
        "train_seconds": round(seconds, 1),
        "final_loss": round(losses[-1], 4),
        "upright": round(accuracy(model, render_cards(digits, config.image_size), labels), 4),
        "homography": {
            str(s): round(
                homography_accuracy(model, digits, labels, config.image_size, s, config.seed + 1), 4
            )
            for s in config.strengths
        },
    }


def measure_classification(config: BenchConfig) -> dict:
    """(b): PDINet and the CNN side by side, and PDINet's gain in points per strength."""
    split = load_digits_split(seed=config.seed)
    train = (split.train_images[: config.max_train], split.train_labels[: config.max_train])
    test = (split.test_images[: config.max_test], split.test_labels[: config.max_test])
    torch.manual_seed(config.seed)
    models = {"pdinet": PDINet(PDINET), "cnn": CNN(BASELINE)}
    scores = {name: _score(model, config, train, test) for name, model in models.items()}
    gain = {
        s: round(100 * (scores["pdinet"]["homography"][s] - scores["cnn"]["homography"][s]), 1)
        for s in scores["pdinet"]["homography"]
    }
    return {
        "data": "load_digits on a colour-graded card, trained upright, tested through one random "
        "homography per image",
        "image_size": config.image_size,
        "num_train": len(train[1]),
        "num_test": len(test[1]),
        "epochs": config.epochs,
        "configs": {"pdinet": asdict(PDINET), "cnn": asdict(BASELINE)},
        "models": scores,
        "ood_gain_points": gain,
        "upright_gain_points": round(
            100 * (scores["pdinet"]["upright"] - scores["cnn"]["upright"]), 1
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the JSON report of (a) and (b)."""
    parser = argparse.ArgumentParser(prog="qsdiff bench aux pdinet", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small budget (the tests')")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    config = BenchConfig.quick(args.seed) if args.quick else BenchConfig(seed=args.seed)
    start = time.perf_counter()
    report = {
        "benchmark": "aux pdinet",
        "quick": args.quick,
        "seed": args.seed,
        "threads": torch.get_num_threads(),
        "invariance": measure_invariance(config),
        "classification": measure_classification(config),
    }
    report["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
