"""``qsdiff bench backbones``: backbone metrics of every shipped checkpoint, side by side.

Each checkpoint samples ``--n`` backbones at each of ``--lengths`` (``--steps`` steps of
``--sampler``, one process) through the service's generator; the report holds, per length, the
metrics of :func:`chem.backbone_metrics.backbone_report` against the reference set's C-alphas
(``--reference``, default TS50; an npz set, a PDB / mmCIF file or a folder of them) with
novelty against the training chains (``--training``, likewise), plus seconds per backbone;
the reference set's own metrics are printed beside them.

``--denoising`` adds each checkpoint's denoising profile: the reference chains noised to each
of :data:`DENOISING_TIMES` and the network's one-step prediction from them, scored on local
geometry and secondary structure. It says in seconds at which noise levels a network keeps or
loses helices and strands, which sampling alone cannot separate.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from bench.labels import method_labels
from chem.backbone_metrics import backbone_report
from chem.proteins import load_backbones
from models.samplers import SamplingConfig
from models.tasks.backbone import DEFAULT_GAMMA, denoise_backbones
from service.backbones.generate import BackboneRequest, PackedBackbones
from service.checkpoints import load_backbone_model
from service.config import get_settings
from service.training.checkpoint_files import update_model_card

__all__ = ["main"]


DENOISING_TIMES = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98)
LOCAL_METRICS = ("mean_ca_distance", "ca_distance_error", "clash_rate", "helix", "strand")


def _local(cas: list[torch.Tensor]) -> dict[str, float]:
    report = backbone_report([ca.double().numpy() for ca in cas], diversity_samples=0)
    return {key: round(float(report[key]), 4) for key in LOCAL_METRICS}


def denoising_profile(net: torch.nn.Module, reference: list[np.ndarray], seed: int) -> dict:
    """Per time: local metrics of the noised reference chains and of the prediction from them."""
    cas = [torch.from_numpy(ca) for ca in reference]
    profile = {}
    for t in DENOISING_TIMES:
        noised, predicted = denoise_backbones(net, cas, t, seed=seed)
        profile[str(t)] = {"noised": _local(noised), "predicted": _local(predicted)}
    return profile


def run_checkpoint(path: Path, args: argparse.Namespace, reference, training) -> dict:
    """Sample, score and time one checkpoint at every length (and denoise, if asked)."""
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
    result = {"training_steps": model.steps, "lengths": by_length}
    if args.denoising:
        result["denoising"] = denoising_profile(model.net, reference, args.seed)
    return result


def main(argv: list[str] | None = None) -> int:
    """Score every checkpoint on the same budget and print one JSON report."""
    settings = get_settings()
    proteins = settings.data_dir / "proteins"
    parser = argparse.ArgumentParser(prog="qsdiff bench backbones", description=__doc__)
    parser.add_argument(
        "--reference",
        type=Path,
        default=proteins / "ts50.npz",
        help="npz set, PDB / mmCIF file or folder of them (default: TS50)",
    )
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
    parser.add_argument(
        "--denoising", action="store_true", help="add each checkpoint's denoising profile"
    )
    parser.add_argument("--json", action="store_true", help="(the report is always JSON)")
    parser.add_argument(
        "--update-cards", action="store_true", help="write each checkpoint's metrics to its card"
    )
    args = parser.parse_args(argv)
    try:
        reference = [b.ca for b in load_backbones(args.reference)]
        training = [b.ca for b in load_backbones(args.training)]
    except ValueError as e:
        parser.error(str(e))
    labels = method_labels(args.checkpoints)
    report = {
        "benchmark": "backbones",
        "reference": str(args.reference.name),
        "n": args.n,
        "steps": args.steps,
        "sampler": args.sampler,
        "gamma": args.gamma if args.sampler == "sde" else None,
        "torch_threads": torch.get_num_threads(),
        "methods": {
            label: run_checkpoint(path, args, reference, training)
            for label, path in zip(labels, args.checkpoints, strict=True)
        },
        "reference_set": backbone_report(reference, reference, None, diversity_samples=args.n),
    }
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write("\n")
    if args.update_cards:
        command = "qsdiff bench backbones " + " ".join(argv if argv is not None else sys.argv[3:])
        for label, path in zip(labels, args.checkpoints, strict=True):
            update_model_card(
                path, "benchmark", {"command": command, **report["methods"][label], "n": args.n}
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
