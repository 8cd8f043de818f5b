"""``qsdiff bench molecules``: EDM's metrics for every shipped molecule checkpoint, side by side.

Each checkpoint samples ``--n`` molecules (sizes from the training histogram, ``--steps`` ODE
steps, one process) through the service's own generator; the table has EDM's atom and molecule
stability, validity, uniqueness, V x U and novelty (against the training molecules' SMILES built
by the same pipeline), connected validity, the PoseBusters "mol" pass rate of the first
``--posebusters`` samples (a sample without sanitizable bonds fails), and molecules per second.
QM9's own validation geometries and EDM's published numbers are printed beside them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from posebusters import PoseBusters
from tqdm import tqdm

from bench.labels import method_labels
from chem.edm_metrics import EdmMetrics, build_molecule, evaluate, largest_fragment_smiles
from chem.qm9_atoms import load_qm9_atoms
from models.samplers import SamplingConfig
from service.checkpoints import load_molecule_model
from service.config import get_settings
from service.molecules.generate import MoleculeRequest, PackedMolecules
from service.training.checkpoint_files import update_model_card

__all__ = ["main"]

EDM_PUBLISHED = {  # Hoogeboom et al. 2022, Table 2 (1000 steps); V x U from validity x uniqueness
    "atom_stability": 0.987,
    "molecule_stability": 0.820,
    "validity": 0.919,
    "valid_and_unique": 0.907,
}


def training_smiles(settings) -> set[str]:
    """SMILES of the training molecules built as generated ones are (cached)."""
    cache = settings.cache_dir / "qm9-train-edm-smiles.json"
    if cache.is_file():
        return set(json.loads(cache.read_text()))
    train = load_qm9_atoms(settings.qm9_npz, "train")
    smiles = {
        s
        for types, positions in tqdm(train, desc="training SMILES", file=sys.stderr)
        if (s := largest_fragment_smiles(build_molecule(types, positions))[0]) is not None
    }
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(sorted(smiles)))
    return smiles


def _table(metrics: EdmMetrics) -> dict[str, float | None]:
    return {
        "atom_stability": round(metrics.atom_stability, 4),
        "molecule_stability": round(metrics.molecule_stability, 4),
        "validity": round(metrics.validity, 4),
        "uniqueness": round(metrics.uniqueness, 4),
        "valid_and_unique": round(metrics.valid_and_unique, 4),
        "novelty": None if metrics.novelty is None else round(metrics.novelty, 4),
        "connected_validity": round(metrics.connected_validity, 4),
    }


def run_checkpoint(path: Path, n: int, steps: int, seed: int, known: set[str], busted: int):
    """Sample, score, time one checkpoint."""
    model = load_molecule_model(path)
    request = MoleculeRequest(n, SamplingConfig("ode", steps), seed)
    start = time.perf_counter()
    with tqdm(total=n, desc=path.stem, unit="mol", file=sys.stderr) as bar:
        molecules = [
            m for _, m in PackedMolecules(model, [request], progress=lambda _, k: bar.update(k))
        ]
    seconds = time.perf_counter() - start
    metrics = evaluate(((m.types, m.positions) for m in molecules), known)
    placed = [m.mol for m in molecules[:busted] if m.mol is not None]
    passed = 0
    if placed:
        passed = int(PoseBusters(config="mol").bust(placed, None, None).all(axis=1).sum())
    return {
        **_table(metrics),
        "posebusters_pass": round(passed / max(min(busted, n), 1), 4),
        "molecules_per_second": round(n / seconds, 2),
        "training_steps": model.steps,
        "parallelism": f"1 process, {torch.get_num_threads()} torch threads",
    }


def main(argv: list[str] | None = None) -> int:
    """Score every checkpoint on the same budget and print one JSON report."""
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="qsdiff bench molecules", description=__doc__)
    parser.add_argument("--n", type=int, default=1000, help="molecules per checkpoint")
    parser.add_argument("--steps", type=int, default=50, help="ODE sampler steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--posebusters", type=int, default=200, help="samples PoseBusters checks")
    parser.add_argument(
        "--checkpoints",
        type=Path,
        nargs="*",
        default=sorted(settings.checkpoint_dir.glob("molecule-*.pt")),
    )
    parser.add_argument("--json", action="store_true", help="(the report is always JSON)")
    parser.add_argument(
        "--update-cards", action="store_true", help="write each checkpoint's metrics to its card"
    )
    args = parser.parse_args(argv)
    known = training_smiles(settings)
    valid = load_qm9_atoms(settings.qm9_npz, "valid")
    labels = method_labels(args.checkpoints)
    report = {
        "benchmark": "molecules",
        "n": args.n,
        "steps": args.steps,
        "seed": args.seed,
        "methods": {
            label: run_checkpoint(path, args.n, args.steps, args.seed, known, args.posebusters)
            for label, path in zip(labels, args.checkpoints, strict=True)
        },
        "qm9_valid_geometries": _table(evaluate(valid, known)),
        "edm_published": EDM_PUBLISHED,
    }
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write("\n")
    if args.update_cards:
        command = "qsdiff bench molecules " + " ".join(argv if argv is not None else sys.argv[3:])
        for label, path in zip(labels, args.checkpoints, strict=True):
            update_model_card(
                path,
                "benchmark",
                {
                    "command": command,
                    **{k: report[k] for k in ("n", "steps", "seed")},
                    "metrics": report["methods"][label],
                    "edm_published": EDM_PUBLISHED,
                },
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
