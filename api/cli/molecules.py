"""``qsdiff molecules -n N -o out.sdf``: new 3-D molecules (QM9-like), with EDM's metrics.

Molecules that get bonds go to the SDF (with their properties: stability, validity, SMILES);
those that cannot be given bonds are written to ``out.xyz`` beside it and flagged. Sizes are
drawn from the training set unless ``--atoms`` fixes them. Exit status: 0 on success, 2 on a
usage error.
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
from api.cli.options import add_generation_options, int_in, usage_error
from chem.generated import write_molecule_files
from models.samplers import SamplingConfig
from service.checkpoints import load_molecule_model
from service.config import Settings
from service.molecules.generate import MoleculeRequest, PackedMolecules

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff molecules``."""
    parser.add_argument("-n", "--num-molecules", type=int_in(1), default=10)
    parser.add_argument("-o", "--output", type=Path, required=True, help="output .sdf")
    parser.add_argument("--atoms", type=int_in(1), help="atoms per molecule (default: drawn)")
    add_generation_options(parser, "molecule", steps=50)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Generate and write; see the module docstring for exit codes."""
    xyz = args.output.with_suffix(".xyz")
    started = time.perf_counter()
    with tqdm(total=args.num_molecules, unit="mol", disable=None, file=sys.stderr) as bar:
        if args.server is not None:
            params = {
                "num_samples": args.num_molecules,
                "num_atoms": args.atoms,
                "seed": args.seed,
                "treatment": args.treatment,
                "sampler": args.sampler,
                "num_steps": args.steps,
            }
            try:
                run_jobs(
                    args.server, "molecules", [params], {"sdf": args.output, "xyz": xyz},
                    bar.update, api_key=args.api_key,
                )  # fmt: skip
            except (ServerError, httpx.HTTPError) as e:
                sys.stderr.write(f"error: {e}\n")
                return 2
            summary: dict = {"output": str(args.output)}
        else:
            try:
                model = load_molecule_model(
                    args.checkpoint or settings.checkpoint_dir / f"molecule-{args.treatment}.pt",
                    args.device,
                )
            except FileNotFoundError as e:
                raise usage_error("--checkpoint", str(e)) from e
            largest = len(model.size_histogram) - 1
            if args.atoms is not None and args.atoms > largest:
                raise usage_error(
                    "--atoms", f"--atoms {args.atoms}: the model knows at most {largest}"
                )
            request = MoleculeRequest(
                args.num_molecules, SamplingConfig(args.sampler, args.steps), args.seed, args.atoms
            )
            packed = PackedMolecules(model, [request], progress=lambda _, n: bar.update(n))
            molecules = [molecule for _, molecule in packed]
            in_sdf, in_xyz = write_molecule_files(molecules, args.output, xyz)
            n = len(molecules)
            summary = {
                "output": str(args.output),
                "in_sdf": in_sdf,
                "in_xyz": in_xyz,
                "molecule_stability": sum(m.properties["molecule_stable"] for m in molecules) / n,
                "validity": sum(m.properties["valid"] for m in molecules) / n,
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
