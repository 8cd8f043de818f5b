"""``qsdiff bench backbones``: backbone metrics of every shipped checkpoint, side by side.

Each checkpoint samples ``--n`` backbones (default 200, the issue's acceptance set) with lengths
spread evenly over ``--min-length`` .. ``--max-length`` (50-250; ``--steps`` steps of
``--sampler`` on the backbones' time grid, one process, one packed set) through the service's
generator, each with a secondary-structure plan drawn from the checkpoint's plan model
(``--plan none``: none). The
report holds, per checkpoint, one flat dict of :func:`chem.backbone_metrics.backbone_report`
over all of them (P-SEA helix / strand, clashes, C-alpha spacing, ...) against the reference
set's C-alphas (``--reference``, default TS50; an npz set, a PDB / mmCIF file or a folder of
them), with a small per-50-residue summary, seconds per backbone and the mean plan agreement;
the reference set's own metrics are printed beside them.

TM-align costs some 30-40 ms a pair of ~150-residue chains on one core, so the median pairwise
TM-score uses ``--diversity-samples`` (100: ~5,000 pairs, ~2.5 min, where all 200 would be
~20,000, ~10 min) and novelty against the training chains (``--training``, default
``train_large.npz``, 1,049 chains) ``--novelty-samples`` (20: ~21,000 pairs, ~10 min), each
spread evenly over the lengths; the report says how many.

``--all-helix`` adds two rows of ``--all-helix-n`` backbones of 120 residues: ``all_helix``
asked for one helix end to end, ``all_alpha`` for a helix fraction of 1 (plans of natural
helices between short loops): how much helix P-SEA finds, and what it costs in clashes and
spacing.

``--denoising`` adds each checkpoint's denoising profile: the reference chains noised to each
of :data:`DENOISING_TIMES` and the network's one-step prediction from them, scored on local
geometry and secondary structure. It says in seconds at which noise levels a network keeps or
loses helices and strands, which sampling alone cannot separate.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch

from bench.labels import method_labels
from chem.backbone_metrics import backbone_report
from chem.proteins import load_backbones
from models.samplers import SamplingConfig
from models.tasks.backbone import (
    DEFAULT_GAMMA,
    DEFAULT_GUIDANCE,
    TIME_EXPONENT,
    backbone_sampling,
    denoise_backbones,
)
from service.backbones.generate import BackboneRequest, GeneratedBackbone, PackedBackbones
from service.backbones.task import DEFAULT_BACKBONE_SAMPLER
from service.checkpoints import LoadedBackboneModel, load_backbone_model
from service.config import get_settings
from service.training.checkpoint_files import update_model_card

__all__ = ["main"]


DENOISING_TIMES = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98)
LOCAL_METRICS = ("mean_ca_distance", "ca_distance_error", "clash_rate", "helix", "strand")
BUCKET_WIDTH = 50  # residues per row of the by-length summary
ALL_HELIX_LENGTH = 120
ALL_HELIX_METRICS = ("helix", "strand", "clash_rate", "mean_ca_distance")


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


def sample_lengths(n: int, low: int, high: int) -> list[int]:
    """``n`` lengths spread evenly over ``low .. high``, the same on every run."""
    return np.linspace(low, high, n).round().astype(int).tolist()


def length_requests(
    lengths: list[int], sampling: SamplingConfig, args: argparse.Namespace
) -> list[BackboneRequest]:
    """One request per distinct length, numbered on so that every sample has its own index."""
    requests, first = [], 0
    for length, count in sorted(Counter(lengths).items()):
        requests.append(
            BackboneRequest(
                count,
                length,
                sampling,
                args.seed,
                plan=args.plan,
                guidance=args.guidance,
                relax=args.relax,
                first_index=first,
            )
        )
        first += count
    return requests


def generate(
    model: LoadedBackboneModel, requests: list[BackboneRequest]
) -> tuple[list[GeneratedBackbone], float]:
    """Every request's samples in index order (so by length), and seconds per sample."""
    start = time.perf_counter()
    samples = [backbone for _, backbone in PackedBackbones(model, requests)]
    seconds = time.perf_counter() - start
    samples.sort(key=lambda backbone: backbone.properties["index"])
    return samples, seconds / len(samples)


def as_sampled(samples: list[GeneratedBackbone]) -> dict:
    """The local metrics of the traces as the model sampled them, before any relaxation."""
    report = backbone_report([s.sampled for s in samples], diversity_samples=0)
    return {key: report[key] for key in (*ALL_HELIX_METRICS, "rg_ratio_mean")}


def plan_agreement(samples: list[GeneratedBackbone]) -> float | None:
    """Mean share of residues whose P-SEA letter is the planned one, over planned samples."""
    values = [s.properties["plan_agreement"] for s in samples if s.properties["plan"]]
    return round(float(np.mean(values)), 4) if values else None


def by_length(samples: list[GeneratedBackbone], low: int, high: int) -> dict[str, dict]:
    """Helix, strand and clash rate per 50-residue bucket, from each sample's own properties.

    Whether secondary structure holds up in long chains is what one set-wide mean hides.
    """
    buckets = max(1, math.ceil((high - low) / BUCKET_WIDTH))
    groups = defaultdict(list)
    for sample in samples:
        bucket = min((sample.properties["length"] - low) // BUCKET_WIDTH, buckets - 1)
        groups[bucket].append(sample.properties)
    summary = {}
    for bucket, rows in sorted(groups.items()):
        start = low + bucket * BUCKET_WIDTH
        summary[f"{start}-{min(start + BUCKET_WIDTH, high)}"] = {
            "chains": len(rows),
            "helix": round(float(np.mean([r["helix"] for r in rows])), 4),
            "strand": round(float(np.mean([r["strand"] for r in rows])), 4),
            "clash_rate": round(float(np.mean([r["clashes"] / r["length"] for r in rows])), 4),
        }
    return summary


def asked_row(model: LoadedBackboneModel, request: BackboneRequest) -> dict:
    """Backbones of one secondary-structure request: how much of it P-SEA finds, at what cost."""
    samples = [backbone for _, backbone in PackedBackbones(model, [request])]
    report = backbone_report([s.backbone.ca for s in samples], diversity_samples=0)
    sampled = backbone_report([s.sampled for s in samples], diversity_samples=0)
    plans = "".join(s.properties["plan"] for s in samples)
    return {
        "n": len(samples),
        "length": request.length,
        "plan_helix": round(plans.count("H") / len(plans), 4),
        "plan_agreement": plan_agreement(samples),
        **{key: report[key] for key in ALL_HELIX_METRICS},
        "as_sampled": {key: sampled[key] for key in ALL_HELIX_METRICS},
    }


def all_helix_rows(
    model: LoadedBackboneModel, sampling: SamplingConfig, args: argparse.Namespace
) -> dict[str, dict]:
    """Two rows of helical requests of :data:`ALL_HELIX_LENGTH` residues.

    ``all_helix``: one helix end to end (``H`` x 120); ``all_alpha``: a helix fraction of 1,
    plans of natural helices between short loops (an all-alpha fold).
    """
    asked = {
        "all_helix": {"secondary_structure": "H" * ALL_HELIX_LENGTH},
        "all_alpha": {"fractions": (1.0, 0.0)},
    }
    return {
        row: asked_row(
            model,
            BackboneRequest(
                args.all_helix_n,
                ALL_HELIX_LENGTH,
                sampling,
                args.seed,
                guidance=args.guidance,
                relax=args.relax,
                **letters,
            ),
        )
        for row, letters in asked.items()
    }


def run_checkpoint(path: Path, args: argparse.Namespace, reference, training) -> dict:
    """Sample, score and time one checkpoint over all lengths (and the extra rows asked for)."""
    model = load_backbone_model(path)
    sampling = backbone_sampling(args.sampler, args.steps, args.gamma)
    lengths = sample_lengths(args.n, args.min_length, args.max_length)
    samples, seconds = generate(model, length_requests(lengths, sampling, args))
    result = {
        **backbone_report(
            [sample.backbone.ca for sample in samples],
            reference,
            training,
            diversity_samples=args.diversity_samples,
            novelty_samples=args.novelty_samples,
        ),
        "seconds_per_backbone": round(seconds, 3),
        "training_steps": model.steps,
        "ss_conditioned": model.ss_conditioned,
        "plan_agreement": plan_agreement(samples),
        "by_length": by_length(samples, args.min_length, args.max_length),
        "as_sampled": as_sampled(samples),
    }
    if args.all_helix:
        result.update(all_helix_rows(model, sampling, args))
    if args.denoising:
        result["denoising"] = denoising_profile(model.net, reference, args.seed)
    return result


def _parser() -> argparse.ArgumentParser:
    settings = get_settings()
    proteins = settings.data_dir / "proteins"
    parser = argparse.ArgumentParser(prog="qsdiff bench backbones", description=__doc__)
    parser.add_argument(
        "--reference",
        type=Path,
        default=proteins / "ts50.npz",
        help="npz set, PDB / mmCIF file or folder of them (default: TS50)",
    )
    parser.add_argument("--training", type=Path, default=proteins / "train_large.npz")
    parser.add_argument("--n", type=int, default=200, help="backbones per checkpoint")
    parser.add_argument("--min-length", type=int, default=50)
    parser.add_argument("--max-length", type=int, default=250)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--sampler", choices=("ode", "sde"), default=DEFAULT_BACKBONE_SAMPLER)
    parser.add_argument(
        "--gamma", type=float, default=DEFAULT_GAMMA, help="noise scale of the sde sampler"
    )
    parser.add_argument(
        "--relax",
        choices=("ca", "none"),
        default="ca",
        help="relax each trace as the service does (default), or score it as sampled; "
        "'as_sampled' always holds the local metrics before relaxation",
    )
    parser.add_argument(
        "--plan",
        choices=("sample", "none"),
        default="sample",
        help="draw a secondary-structure plan per backbone from the checkpoint, or none",
    )
    parser.add_argument(
        "--guidance", type=float, default=DEFAULT_GUIDANCE, help="classifier-free guidance"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--diversity-samples", type=int, default=100, help="backbones in the pairwise TM-scores"
    )
    parser.add_argument(
        "--novelty-samples",
        type=int,
        default=20,
        help="backbones TM-aligned against every training chain",
    )
    parser.add_argument(
        "--all-helix", action="store_true", help="add a row of backbones asked for one helix"
    )
    parser.add_argument("--all-helix-n", type=int, default=20)
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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Score every checkpoint on the same budget and print one JSON report."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.n < 1 or not 0 < args.min_length <= args.max_length:
        parser.error("need --n >= 1 and 0 < --min-length <= --max-length")
    try:
        reference = [b.ca for b in load_backbones(args.reference)]
        training = [b.ca for b in load_backbones(args.training)]
    except ValueError as e:
        parser.error(str(e))
    labels = method_labels(args.checkpoints)
    diversity_samples = min(args.n, args.diversity_samples)
    report = {
        "benchmark": "backbones",
        "n": args.n,
        "lengths": [args.min_length, args.max_length],
        "steps": args.steps,
        "time_exponent": TIME_EXPONENT,
        "sampler": args.sampler,
        "gamma": args.gamma if args.sampler == "sde" else None,
        "plan": args.plan,
        "guidance": args.guidance,
        "relax": args.relax,
        "seed": args.seed,
        "diversity_samples": diversity_samples,
        "novelty_samples": min(args.n, args.novelty_samples),
        "torch_threads": torch.get_num_threads(),
        "reference": args.reference.name,
        "training": args.training.name,
        "methods": {
            label: run_checkpoint(path, args, reference, training)
            for label, path in zip(labels, args.checkpoints, strict=True)
        },
        "reference_set": backbone_report(reference, reference, diversity_samples=diversity_samples),
    }
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write("\n")
    if args.update_cards:
        update_cards(report, labels, args, argv)
    return 0


def update_cards(
    report: dict, labels: list[str], args: argparse.Namespace, argv: list[str] | None
) -> None:
    """Each checkpoint's flat metrics, with the command that measured them, onto its card."""
    command = "qsdiff bench backbones " + " ".join(argv if argv is not None else sys.argv[3:])
    settings = {key: report[key] for key in ("n", "lengths", "time_exponent")}
    for label, path in zip(labels, args.checkpoints, strict=True):
        update_model_card(
            path, "benchmark", {"command": command, **report["methods"][label], **settings}
        )


if __name__ == "__main__":
    sys.exit(main())
