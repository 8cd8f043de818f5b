"""``qsdiff backbones --length L -n N -o out.pdb``: protein backbones (all-GLY N, CA, C, O).

The output format follows the suffix: ``.pdb`` or ``.cif`` (mmCIF); the treatment, sampler,
seed and each chain's metrics are written as remarks. Exit status: 0 on success, 2 on a usage
error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import httpx
from tqdm import tqdm

from api.cli.client import ServerError, run_jobs
from api.cli.options import add_generation_options, float_in, int_in, usage_error
from chem.proteins import write_backbones
from models.samplers import SamplingConfig
from models.tasks.backbone import DEFAULT_GAMMA
from service.backbones.generate import BackboneRequest, PackedBackbones
from service.backbones.task import (
    MAX_BACKBONES,
    MAX_GAMMA,
    MAX_LENGTH,
    MAX_STEPS,
    BackboneParams,
    backbone_remarks,
)
from service.checkpoints import load_backbone_model
from service.config import Settings

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff backbones``."""
    parser.add_argument(
        "--length", type=int_in(8, MAX_LENGTH), required=True, help="residues per backbone"
    )
    parser.add_argument("-n", "--num-backbones", type=int_in(1, MAX_BACKBONES), default=1)
    parser.add_argument("-o", "--output", type=Path, required=True, help="output .pdb or .cif")
    parser.add_argument(
        "--gamma",
        type=float_in(0.0, MAX_GAMMA),
        default=DEFAULT_GAMMA,
        help=f"noise scale of the sde sampler (default {DEFAULT_GAMMA}; 1 samples the model's "
        "distribution, lower values a lower temperature, as Proteina's gamma)",
    )
    add_generation_options(parser, "backbone", steps=100, max_steps=MAX_STEPS)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Generate and write; see the module docstring for exit codes."""
    if args.output.suffix not in (".pdb", ".cif"):
        raise usage_error("-o/--output", "-o/--output must end in .pdb or .cif")
    params = BackboneParams(
        length=args.length,
        num_samples=args.num_backbones,
        seed=args.seed,
        treatment=args.treatment,
        sampler=args.sampler,
        num_steps=args.steps,
        gamma=args.gamma,
    )
    fmt = args.output.suffix[1:]
    started = time.perf_counter()
    with tqdm(total=args.num_backbones, unit="backbone", disable=None, file=sys.stderr) as bar:
        if args.server is not None:
            try:
                run_jobs(args.server, "backbones", [params.model_dump()], {fmt: args.output},
                         bar.update, api_key=args.api_key)  # fmt: skip
            except (ServerError, httpx.HTTPError) as e:
                sys.stderr.write(f"error: {e}\n")
                return 2
            samples: list[dict] = []
        else:
            try:
                model = load_backbone_model(
                    args.checkpoint or settings.checkpoint_dir / f"backbone-{args.treatment}.pt",
                    args.device,
                )
            except FileNotFoundError as e:
                raise usage_error("--checkpoint", str(e)) from e
            request = BackboneRequest(
                args.num_backbones,
                args.length,
                SamplingConfig(args.sampler, args.steps, gamma=args.gamma),
                args.seed,
            )
            found = [
                b for _, b in PackedBackbones(model, [request], progress=lambda _, n: bar.update(n))
            ]
            write_backbones(
                [b.backbone for b in found], args.output, backbone_remarks(params, found)
            )
            samples = [{k: v for k, v in b.properties.items() if k != "dssp"} for b in found]
    seconds = time.perf_counter() - started
    summary = {
        "output": str(args.output),
        "backbones": args.num_backbones,
        "seconds": round(seconds, 3),
        "seconds_per_backbone": round(seconds / args.num_backbones, 3),
        "samples": samples,
    }
    if args.json:
        json.dump(summary, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stderr.write(
            f"wrote {args.num_backbones} backbones to {args.output} in {seconds:.1f} s\n"
        )
    return 0
