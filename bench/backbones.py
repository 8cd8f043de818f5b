"""``qsdiff bench backbones``: backbone metrics of every shipped checkpoint, side by side.

Each checkpoint samples ``--n`` backbones at each of ``--lengths`` (``--steps`` steps of
``--sampler``, one process) through the service's generator; the report holds, per length, the
metrics of :func:`chem.backbone_metrics.backbone_report` against the reference set's C-alphas
(``--reference``, default TS50) with novelty against the training chains, plus seconds per
backbone; the reference set's own metrics are printed beside them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from chem.backbone_metrics import backbone_report
from chem.proteins import load_backbone_set
from models.tasks.backbone import DEFAULT_GAMMA
from models.tasks.conformer import SamplingConfig
from service.backbones import BackboneRequest, PackedBackbones
from service.checkpoint_files import update_model_card
from service.checkpoints import load_backbone_model
from service.config import get_settings

__all__ = ["main"]


def run_checkpoint(path: Path, args: argparse.Namespace, reference, training) -> dict:
    """Sample, score and time one checkpoint at every length."""
    model = load_backbone_model(path)
    by_length = {}
    for length in args.lengths:
        sampling = SamplingConfig(args.sampler, args.steps, gamma=args.gamma)
        request = BackboneRequest(args.n, length, sampling, args.seed)
        start = time.perf_counter()
        cas = [b.backbone.ca for _, b in PackedBackbones(model, [request])]
        seconds = time.perf_counter() - start
        by_length[str(length)] = {
            **backbone_report(cas, reference, training, diversity_samples=args.n),
            "seconds_per_backbone": round(seconds / args.n, 3),
        }
    return {"training_steps": model.steps, "lengths": by_length}


def main(argv: list[str] | None = None) -> int:
    """Score every checkpoint on the same budget and print one JSON report."""
    settings = get_settings()
    proteins = settings.data_dir / "proteins"
    parser = argparse.ArgumentParser(prog="qsdiff bench backbones", description=__doc__)
    parser.add_argument("--reference", type=Path, default=proteins / "ts50.npz")
    parser.add_argument("--training", type=Path, default=proteins / "train.npz")
    parser.add_argument("--lengths", type=int, nargs="+", default=[50, 100, 150])
    parser.add_argument("--n", type=int, default=20, help="backbones per length")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--sampler", choices=("ode", "sde"), default="ode")
    parser.add_argument(
        "--gamma", type=float, default=DEFAULT_GAMMA, help="noise scale of the sde sampler"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--checkpoints",
        type=Path,
        nargs="*",
        default=sorted(settings.checkpoint_dir.glob("backbone-*.pt")),
    )
    parser.add_argument("--json", action="store_true", help="(the report is always JSON)")
    parser.add_argument(
        "--update-cards", action="store_true", help="write each checkpoint's metrics to its card"
    )
    args = parser.parse_args(argv)
    reference = [b.ca for b in load_backbone_set(args.reference)]
    training = [b.ca for b in load_backbone_set(args.training)]
    report = {
        "benchmark": "backbones",
        "reference": str(args.reference.name),
        "n": args.n,
        "steps": args.steps,
        "sampler": args.sampler,
        "gamma": args.gamma if args.sampler == "sde" else None,
        "torch_threads": torch.get_num_threads(),
        "methods": {
            path.stem: run_checkpoint(path, args, reference, training) for path in args.checkpoints
        },
        "reference_set": backbone_report(reference, reference, None, diversity_samples=args.n),
    }
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write("\n")
    if args.update_cards:
        command = "qsdiff bench backbones " + " ".join(argv if argv is not None else sys.argv[3:])
        for path in args.checkpoints:
            update_model_card(
                path,
                "benchmark",
                {"command": command, **report["methods"][path.stem], "n": args.n},
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
