"""``qsdiff bench aux equizero``: equitune, equizero and λ-equitune against the bare model.

Digits (scikit-learn, 8x8): M, a small CNN trained on upright digits, and its three wrappers
(equizero with three losses), each over C4 and D4, scored on the test digits transformed by
every group element: accuracy and orbit-consistency (the fraction of test inputs whose class is
the same on the whole orbit). Molecules (QM9 from ``settings.qm9_npz``): a non-invariant MLP
classifying the radius of gyration (tertiles of the training set) from raw coordinates, wrapped
with the 24 rotations of the cube. Always prints JSON (``--json`` is accepted); ``--quick`` is
the small budget the tests use.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["main"]

PAPER = "Basu et al., Efficient Equivariant Transfer Learning from Pretrained Models, NeurIPS 2023"
WRAPPERS = ("equitune", "equizero", "equizero_entropy", "equizero_lambda", "lambda_equitune")
MOLECULE_VARIANTS = ("model", "equitune", "equizero", "equizero_lambda", "lambda_equitune")


@dataclass(frozen=True)
class Budget:
    """Sizes of one run: epochs of M and λ, molecules, and test digits (None: all 599)."""

    cnn_epochs: int
    lambda_epochs: int
    test_digits: int | None
    molecules_train: int
    molecules_test: int
    molecule_epochs: int


FULL = Budget(30, 100, None, 4000, 500, 40)
QUICK = Budget(8, 15, 150, 1000, 80, 15)


def _digits(budget: Budget, seed: int) -> dict:
    """Train M and the λ nets on digits; score every variant over C4 and D4."""
    from models.aux.equizero import EquizeroTrainConfig
    from service.aux.equizero import DigitSplit, digit_report, load_digit_split, train_digits

    split = load_digit_split(seed=seed)
    cnn = EquizeroTrainConfig(epochs=budget.cnn_epochs, seed=seed)
    lam = EquizeroTrainConfig(epochs=budget.lambda_epochs, batch_size=128, seed=seed)
    trained = train_digits(split, cnn, lam)
    n = budget.test_digits or len(split.y_test)
    test = DigitSplit(split.x_train, split.y_train, split.x_test[:n], split.y_test[:n])
    return {
        "data": {"train": len(split.y_train), "test": n, "image": "8x8, 0..16 -> 0..1"},
        "training": trained.info,
        "scores": digit_report(trained, test),
    }


def _qm9_rows(npz: Path, budget: Budget, seed: int) -> dict:
    """Random train (split 0) and valid (split 1) molecules as rows ``[B, 29, 8]``, classes."""
    import numpy as np
    import torch

    from models.aux.equizero import gyration_radius, molecule_inputs

    data = np.load(npz)
    split, charges, positions = data["split"], data["charges"], data["positions"]
    rng = np.random.default_rng(seed)
    pick = {
        "train": rng.choice(np.flatnonzero(split == 0), budget.molecules_train, replace=False),
        "test": rng.choice(np.flatnonzero(split == 1), budget.molecules_test, replace=False),
    }
    rows = {k: molecule_inputs(charges[v], positions[v]) for k, v in pick.items()}
    radius = {k: gyration_radius(v) for k, v in rows.items()}
    edges = torch.quantile(radius["train"], torch.tensor([1 / 3, 2 / 3]))
    labels = {k: torch.bucketize(v, edges) for k, v in radius.items()}
    return {"rows": rows, "labels": labels, "edges": edges.tolist()}


def _molecules(npz: Path, budget: Budget, seed: int) -> dict:
    """A raw-coordinate MLP on QM9, bare and wrapped with the cube's 24 rotations."""
    import torch

    from models.aux.equizero import (
        GROUPS,
        EquizeroTrainConfig,
        LambdaNet,
        MoleculeMLP,
        orbit_predictions,
        orbit_scores,
        train_classifier,
        train_lambda,
    )
    from service.aux.equizero import DIGIT_VARIANTS

    data = _qm9_rows(npz, budget, seed)
    x, y = data["rows"]["train"], data["labels"]["train"]
    group = GROUPS["o"]()
    torch.manual_seed(seed)
    model = MoleculeMLP(atoms=x.shape[1], row=x.shape[2])
    config = EquizeroTrainConfig(epochs=budget.molecule_epochs, seed=seed)
    train_classifier(model, x, y, config)
    lam = LambdaNet(model.head.in_features)
    train_lambda(
        model, lam, group, x, y, EquizeroTrainConfig(epochs=budget.lambda_epochs, seed=seed)
    )
    variants = {name: DIGIT_VARIANTS[name] for name in MOLECULE_VARIANTS}
    preds = orbit_predictions(model, group, data["rows"]["test"], variants, lam)
    scores = {k: asdict(orbit_scores(p, data["labels"]["test"])) for k, p in preds.items()}
    return {
        "data": {"source": str(npz), "train": len(y), "test": len(data["labels"]["test"])},
        "task": "radius of gyration class (tertiles of train, all atoms, Å)",
        "class_edges_angstrom": [round(e, 3) for e in data["edges"]],
        "group": f"o: the {group.order} rotations of the cube on coordinates",
        "scores": {k: {m: round(v, 4) for m, v in s.items()} for k, s in scores.items()},
    }


def _claims(digits: dict, molecules: dict) -> dict[str, bool]:
    """The paper's claims as checks on this run's numbers."""
    scores = digits["scores"]
    mol = molecules["scores"]
    wrapped = [scores[g][w] for g in scores for w in WRAPPERS]
    wrapped += [mol[w] for w in MOLECULE_VARIANTS if w != "model"]
    return {
        "wrappers_orbit_consistent": all(s["orbit_consistency"] == 1.0 for s in wrapped),
        "model_not_orbit_consistent": all(
            s["model"]["orbit_consistency"] < 1.0 for s in [*scores.values(), mol]
        ),
        "lambda_equitune_beats_model_on_orbits": all(
            s["lambda_equitune"]["accuracy_orbit"] > s["model"]["accuracy_orbit"]
            for s in scores.values()
        ),
        "lambda_equitune_beats_equitune": all(
            s["lambda_equitune"]["accuracy_orbit"] > s["equitune"]["accuracy_orbit"]
            for s in scores.values()
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the JSON report."""
    parser = argparse.ArgumentParser(prog="qsdiff bench aux equizero", description=__doc__)
    parser.add_argument("--json", action="store_true", help="accepted; the output is JSON")
    parser.add_argument("--quick", action="store_true", help="small budget (the tests)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import torch

    from service.config import get_settings

    torch.set_num_threads(1)
    budget = QUICK if args.quick else FULL
    start = time.perf_counter()
    digits = _digits(budget, args.seed)
    digits_seconds = time.perf_counter() - start
    molecules = _molecules(get_settings().qm9_npz, budget, args.seed)
    report = {
        "benchmark": "aux equizero",
        "paper": PAPER,
        "quick": args.quick,
        "seed": args.seed,
        "budget": asdict(budget),
        "torch_threads": torch.get_num_threads(),
        "digits": digits,
        "molecules": molecules,
        "claims": _claims(digits, molecules),
        "seconds": {
            "digits": round(digits_seconds, 1),
            "molecules": round(time.perf_counter() - start - digits_seconds, 1),
            "cpu": round(time.process_time(), 1),
        },
    }
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
