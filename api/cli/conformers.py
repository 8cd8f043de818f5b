"""``qsdiff conformers INPUT -n K -o out.sdf``: conformer ensembles from a molecular graph.

INPUT is a SMILES string, a ``.smi`` file (``SMILES [name]`` per line) or an ``.sdf`` file.
Molecules that cannot be handled are reported one by one (on stderr, and in ``--json``) and the
rest still run. Exit status: 0 when every molecule got its conformers, 1 when some could not be
handled, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import typing
from pathlib import Path

import httpx
from rdkit import Chem
from tqdm import tqdm

from api.cli.client import ServerError, run_conformer_jobs
from api.cli.options import add_generation_options, float_in, int_in, usage_error
from chem.molecules import InputMolecule, read_inputs, write_sdf
from service.checkpoints import load_conformer_model
from service.config import Settings
from service.conformers.generate import (
    ETKDG_START_STEPS,
    NOISE_START_STEPS,
    ConformerJob,
    checkpoint_task,
    generate_conformers,
    sample_count,
)
from service.conformers.relax import Relax

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff conformers``."""
    parser.add_argument("input", help="SMILES, or a .smi / .sdf file")
    parser.add_argument("-n", "--num-conformers", type=int_in(1), default=5, help="per molecule")
    parser.add_argument("-o", "--output", type=Path, required=True, help="output .sdf")
    add_generation_options(
        parser,
        "conformer",
        steps=None,
        steps_help=f"default: {ETKDG_START_STEPS} from an ETKDG start, {NOISE_START_STEPS} "
        "from noise",
    )
    parser.add_argument(
        "--start",
        choices=("noise", "etkdg"),
        default="etkdg",
        help="start from an ETKDGv3 conformer noised to --start-time, or from noise",
    )
    parser.add_argument(
        "--start-time",
        type=float_in(0.0, 1.0, low_open=True),
        default=0.5,
        help="of an ETKDG start: 0 is pure noise, 1 the conformer itself (below 1)",
    )
    parser.add_argument(
        "--relax",
        choices=typing.get_args(Relax),
        default="mmff-local",
        help="afterwards: MMFF94 locally (bond lengths and angles settled, the conformation "
        "kept) or to convergence, or GFN2-xTB in implicit water (seconds per conformer)",
    )
    parser.add_argument(
        "--model",
        choices=("qm9", "druglike"),
        default="druglike",
        help="the checkpoint pair fine-tuned on drug-like molecules, or the one trained on QM9",
    )


def _remote(args: argparse.Namespace, molecules: list[InputMolecule], progress) -> int:
    """Send the usable molecules (as isomeric SMILES) to ``args.server`` as jobs."""
    usable = [Chem.MolToSmiles(Chem.RemoveHs(m.mol)) for m in molecules if m.error is None]
    params = {
        "num_samples": args.num_conformers,
        "seed": args.seed,
        "treatment": args.treatment,
        "sampler": args.sampler,
        "num_steps": args.steps,  # None: the server's default for the start
        "start": args.start,
        "start_time": args.start_time,
        "relax": args.relax,
        "model": args.model,
    }
    return run_conformer_jobs(
        args.server, usable, params, args.output, progress, api_key=args.api_key
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Generate, write the SDF, report failures; see the module docstring for exit codes."""
    try:
        molecules = read_inputs(args.input)
    except (FileNotFoundError, ValueError) as e:  # no such file, or no molecule in it
        raise usage_error("input", str(e)) from e
    model = None
    if args.server is None:
        checkpoint = args.checkpoint or (
            settings.checkpoint_dir / f"{checkpoint_task(args.model)}-{args.treatment}.pt"
        )
        try:
            model = load_conformer_model(checkpoint, args.device)
        except (FileNotFoundError, ValueError) as e:  # none there, or of another featurization
            raise usage_error("--checkpoint", str(e)) from e
    failures = [m for m in molecules if m.error is not None]
    for m in failures:
        sys.stderr.write(f"skipped {m.name} ({m.smiles}): {m.error}\n")
    if args.start == "etkdg" and args.start_time >= 1:
        raise usage_error("--start-time", "--start-time must be below 1")
    job = ConformerJob.requested(
        args.num_conformers,
        args.seed,
        sampler=args.sampler,
        num_steps=args.steps,
        start=args.start,
        start_time=args.start_time,
        relax=args.relax,
    )
    started = time.perf_counter()
    total = sample_count(molecules, job)
    with tqdm(total=total, unit="conf", disable=None, file=sys.stderr) as bar:
        if model is not None:
            written = write_sdf(generate_conformers(model, molecules, job, bar.update), args.output)
        else:
            try:
                written = _remote(args, molecules, bar.update)
            except (ServerError, httpx.HTTPError) as e:
                sys.stderr.write(f"error: {e}\n")
                return 2
    elapsed = time.perf_counter() - started
    summary = {
        "output": str(args.output),
        "conformers": written,
        "molecules": len(molecules) - len(failures),
        "seconds": round(elapsed, 3),
        "failures": [
            {"index": m.index, "name": m.name, "input": m.smiles, "error": m.error}
            for m in failures
        ],
    }
    if args.json:
        json.dump(summary, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stderr.write(f"wrote {written} conformers to {args.output} in {elapsed:.1f} s\n")
    return 1 if failures else 0
