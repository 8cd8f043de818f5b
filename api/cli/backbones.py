"""``qsdiff backbones --length L [L ...] -n N -o out.pdb``: protein backbones (all-GLY N, CA, C, O).

``-n`` backbones of each length. ``--secondary-structure`` asks for one letter per residue
(``H`` helix, ``E`` strand, ``L`` loop; one length only); without it each backbone follows a
plan drawn from the model's segment model, near ``--helix-fraction`` / ``--strand-fraction``
where given (``--plan none``: no plan). The output format follows
the suffix: ``.pdb`` or ``.cif`` (mmCIF); the settings and each chain's metrics, plan and
P-SEA letters are written as remarks. Exit status: 0 on success, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import httpx
from pydantic import ValidationError
from tqdm import tqdm

from api.cli.client import ServerError, run_jobs
from api.cli.options import add_generation_options, float_in, int_in, usage_error
from chem.proteins import write_backbones
from models.tasks.backbone import DEFAULT_GAMMA, DEFAULT_GUIDANCE, backbone_sampling
from service.backbones.generate import PackedBackbones
from service.backbones.task import (
    DEFAULT_BACKBONE_SAMPLER,
    MAX_BACKBONES,
    MAX_GAMMA,
    MAX_GUIDANCE,
    MAX_LENGTH,
    MAX_STEPS,
    MIN_LENGTH,
    BackboneParams,
    backbone_remarks,
    backbone_request,
)
from service.checkpoints import load_backbone_model
from service.config import Settings

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff backbones``."""
    parser.add_argument(
        "--length",
        type=int_in(MIN_LENGTH, MAX_LENGTH),
        nargs="+",
        required=True,
        help="residues per backbone; several lengths give -n backbones of each",
    )
    parser.add_argument(
        "-n",
        "--num-backbones",
        type=int_in(1, MAX_BACKBONES),
        default=1,
        help="backbones of each length",
    )
    parser.add_argument(
        "--secondary-structure",
        help="one letter per residue: H helix, E strand, L loop (e.g. an all-alpha request)",
    )
    for letter in ("helix", "strand"):
        parser.add_argument(
            f"--{letter}-fraction",
            type=float_in(0.0, 1.0),
            help=f"instead of --secondary-structure: draw plans near this {letter} fraction "
            "(the other fraction, if not given, is 0; --helix-fraction 1 asks for an all-alpha "
            "fold, helices between short loops)",
        )
    parser.add_argument(
        "--plan",
        choices=("sample", "none"),
        default="sample",
        help="without --secondary-structure: draw each backbone's plan from the model's segment "
        "model, or generate without one",
    )
    parser.add_argument(
        "--relax",
        choices=("ca", "none"),
        default="ca",
        help="ca (default): relax each C-alpha trace to 3.8 A steps and clash-free contacts; "
        "none: keep it as sampled",
    )
    parser.add_argument(
        "--guidance",
        type=float_in(0.0, MAX_GUIDANCE),
        default=DEFAULT_GUIDANCE,
        help=f"classifier-free guidance weight of the secondary structure (default "
        f"{DEFAULT_GUIDANCE}; 1 is the conditional model alone, higher follows the letters more "
        "closely)",
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="output .pdb or .cif")
    parser.add_argument(
        "--gamma",
        type=float_in(0.0, MAX_GAMMA),
        default=DEFAULT_GAMMA,
        help=f"noise scale of the sde sampler (default {DEFAULT_GAMMA}; 1 samples the model's "
        "distribution, lower values a lower temperature, as Proteina's gamma)",
    )
    add_generation_options(
        parser, "backbone", steps=100, max_steps=MAX_STEPS, sampler=DEFAULT_BACKBONE_SAMPLER
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Generate and write; see the module docstring for exit codes."""
    if args.output.suffix not in (".pdb", ".cif"):
        raise usage_error("-o/--output", "-o/--output must end in .pdb or .cif")
    params = _params(args)
    total = args.num_backbones * len(params.all_lengths)
    fmt = args.output.suffix[1:]
    started = time.perf_counter()
    with tqdm(total=total, unit="backbone", disable=None, file=sys.stderr) as bar:
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
            if (asked := params.asks_for_letters) and not model.ss_conditioned:
                raise usage_error(
                    "--" + asked.replace("_", "-"),
                    f"{model.path.name} is not conditioned on secondary structure",
                )
            sampling = backbone_sampling(args.sampler, args.steps, args.gamma)
            requests = [
                backbone_request(params, length, sampling, k)
                for k, length in enumerate(params.all_lengths)
            ]
            found = [
                b for _, b in PackedBackbones(model, requests, progress=lambda _, n: bar.update(n))
            ]
            found.sort(key=lambda b: b.properties["index"])
            write_backbones(
                [b.backbone for b in found], args.output, backbone_remarks(params, found)
            )
            samples = [b.properties for b in found]
    seconds = time.perf_counter() - started
    summary = {
        "output": str(args.output),
        "backbones": total,
        "seconds": round(seconds, 3),
        "seconds_per_backbone": round(seconds / total, 3),
        "samples": samples,
    }
    if args.json:
        json.dump(summary, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stderr.write(f"wrote {total} backbones to {args.output} in {seconds:.1f} s\n")
    return 0


def _params(args: argparse.Namespace) -> BackboneParams:
    """The request as the server takes it; a mismatch between options is a usage error."""
    lengths = args.length
    try:
        return BackboneParams(
            length=lengths[0] if len(lengths) == 1 else None,
            lengths=None if len(lengths) == 1 else lengths,
            secondary_structure=args.secondary_structure,
            plan=args.plan,
            helix_fraction=args.helix_fraction,
            strand_fraction=args.strand_fraction,
            guidance=args.guidance,
            relax=args.relax,
            num_samples=args.num_backbones,
            seed=args.seed,
            treatment=args.treatment,
            sampler=args.sampler,
            num_steps=args.steps,
            gamma=args.gamma,
        )
    except ValidationError as e:
        message = "; ".join(error["msg"].removeprefix("Value error, ") for error in e.errors())
        for field, option in (
            ("secondary_structure", "--secondary-structure"),
            ("helix_fraction", "--helix-fraction"),
            ("strand_fraction", "--strand-fraction"),
        ):
            message = message.replace(field, option)
        option = "--secondary-structure" if args.secondary_structure else "--helix-fraction"
        raise usage_error(option, message) from None
