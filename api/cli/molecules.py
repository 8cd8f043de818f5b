"""``qsdiff molecules -n N -o out.sdf``: new 3-D molecules (QM9-like), each with its checks.

The graph model writes each molecule's graph, the QM9 conformer model of ``--treatment`` places
its atoms; every SDF record carries its generated SMILES, graph and EDM-protocol stability,
MMFF94 strain and PoseBusters flags. Sizes (heavy atoms) are drawn from QM9's unless
``--heavy-atoms`` fixes them. Both models come from ``QSDIFF_CHECKPOINT_DIR``
(``molecule-graph.pt``, ``conformer-TREATMENT.pt``). Exit status: 0 on success, 2 on a usage
error (a model not shipped included).
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
from api.cli.options import add_generation_options, float_in, int_in
from service.config import Settings
from service.conformers.generate import ETKDG_START_STEPS, NOISE_START_STEPS
from service.conformers.relax import Relax
from service.molecules.task import MoleculeParams, MoleculeTask
from service.registry import ModelRegistry
from service.task import TaskRun

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff molecules``."""
    parser.add_argument("-n", "--num-molecules", type=int_in(1, 10_000), default=10)
    parser.add_argument("-o", "--output", type=Path, required=True, help="output .sdf")
    parser.add_argument(
        "--heavy-atoms", type=int_in(1), help="heavy atoms per molecule (default: drawn)"
    )
    parser.add_argument(
        "--temperature",
        type=float_in(0.0, 2.0, low_open=True),
        default=1.0,
        help="graph sampling temperature (lower: more typical molecules)",
    )
    parser.add_argument(
        "--scaffold", help="a fragment (SMILES) every molecule must contain (graphs drawn again)"
    )
    parser.add_argument(
        "--max-attempts",
        type=int_in(1, 50),
        default=5,
        help="graph draws per molecule until one reads as a molecule of its size (and holds "
        "the scaffold)",
    )
    parser.add_argument(
        "--relax", choices=Relax.__args__, default="mmff-local", help="relaxation of the atoms"
    )
    parser.add_argument(
        "--start",
        choices=("etkdg", "noise"),
        default="etkdg",
        help="the conformer model starts from an ETKDGv3 conformer noised half-way, or noise",
    )
    add_generation_options(
        parser,
        "conformer",
        steps=None,
        steps_help=f"conformer sampler steps (default {ETKDG_START_STEPS} from ETKDG, "
        f"{NOISE_START_STEPS} from noise)",
        checkpoint=False,
    )


def _params(args: argparse.Namespace) -> MoleculeParams:
    return MoleculeParams(
        num_samples=args.num_molecules,
        num_heavy_atoms=args.heavy_atoms,
        seed=args.seed,
        treatment=args.treatment,
        sampler=args.sampler,
        num_steps=args.steps,
        start=args.start,
        relax=args.relax,
        temperature=args.temperature,
        max_attempts=args.max_attempts,
        scaffold=args.scaffold,
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Generate and write; a project error is the caller's to map to an exit status."""
    params = _params(args)
    started = time.perf_counter()
    with tqdm(total=args.num_molecules, unit="mol", disable=None, file=sys.stderr) as bar:
        if args.server is not None:
            try:
                run_jobs(
                    args.server, "molecules", [params.model_dump()], {"sdf": args.output},
                    bar.update, api_key=args.api_key,
                )  # fmt: skip
            except (ServerError, httpx.HTTPError) as e:
                sys.stderr.write(f"error: {e}\n")
                return 2
            summary: dict = {"output": str(args.output)}
        else:
            registry = ModelRegistry(settings.checkpoint_dir, args.device)
            task = MoleculeTask()
            task.check(params, registry)
            (output,) = task.run([TaskRun(params, None, bar.update)], registry)
            samples = output.manifest["samples"]
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(output.texts["sdf"])
            n = len(samples)
            summary = {
                "output": str(args.output),
                "in_sdf": output.manifest["in_sdf"],
                "not_molecules": output.manifest["not_molecules"],
                "molecule_stability": sum(s["molecule_stable"] for s in samples) / n,
                "validity": sum(s["valid"] for s in samples) / n,
            }
    summary["seconds"] = round(time.perf_counter() - started, 3)
    summary["molecules_per_second"] = round(args.num_molecules / summary["seconds"], 2)
    if args.json:
        json.dump(summary, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stderr.write(
            f"wrote {args.num_molecules} molecules to {args.output} in {summary['seconds']:.1f} s\n"
        )
    return 0
