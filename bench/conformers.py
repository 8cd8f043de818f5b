"""``qsdiff bench conformers``: shipped checkpoints against RDKit ETKDGv3 (+MMFF), side by side.

On the same molecules (graph and stereo perceived from the reference geometry, as in training),
each method makes K conformers per molecule. Against the reference geometry:

- RMSD: heavy atoms, symmetry-aware (RDKit ``GetBestRMS``), the minimum over the K conformers;
  AMR is the mean of those minima, COV@d the fraction of molecules with a minimum below d Å. A
  molecule a method fails on counts as not covered and is left out of AMR (its share is given).
- graph recovered: fraction of conformers whose bonds, perceived from their coordinates
  (``DetermineConnectivity``), are exactly the input graph's.
- stereo agreement: fraction of conformers of molecules with specified stereo that realise all
  of it.
- PoseBusters pass rate ("mol" config: sanitisation, bond lengths and angles, clashes,
  flatness, internal energy) on the conformers of the first ``--posebusters-mols`` molecules.
- conformers per second, with the thread and process counts used.

Each checkpoint also appears MMFF94-relaxed (``NAME +mmff``: its own conformers minimised in
2 processes, the time added to its sampling time), beside ETKDGv3+MMFF.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from posebusters import PoseBusters
from rdkit import Chem, RDLogger
from rdkit.Chem import rdMolAlign
from tqdm import tqdm

from bench.labels import method_labels
from bench.relax import PROCESSES, process_pool, relax_all
from chem.checks import graph_recovered
from chem.etkdg import embed_conformers
from chem.featurize import featurize
from chem.molecules import InputMolecule
from chem.qm9 import SPLITS, PerceptionError, perceive_molecule
from chem.stereo import labels_from_coordinates, set_coordinates, stereo_labels
from models.samplers import SamplingConfig
from service.checkpoints import load_conformer_model
from service.config import get_settings
from service.conformers.generate import ConformerJob, generate_conformers
from service.training.checkpoint_files import update_model_card

__all__ = ["main"]

RDKIT_PROCESSES = 2

Conformers = list[np.ndarray | None]  # per molecule: [K, N, 3] coordinates, None if it failed


def load_molecules(npz: Path, split: str, count: int) -> list[Chem.Mol]:
    """The first ``count`` molecules of ``split`` whose graph perception succeeds (with 3-D)."""
    data = np.load(npz, allow_pickle=False)
    rows = np.flatnonzero(data["split"] == SPLITS[split])
    num_atoms, charges, positions, smiles = (
        data["num_atoms"],
        data["charges"],
        data["positions"],
        data["smiles"],
    )
    out = []
    for row in rows:
        n = int(num_atoms[row])
        try:
            out.append(
                perceive_molecule(
                    charges[row, :n], positions[row, :n].astype(np.float64), str(smiles[row])
                )
            )
        except PerceptionError:
            continue
        if len(out) == count:
            break
    return out


def _etkdg_one(args: tuple[str, int, int, bool]) -> np.ndarray | None:
    molblock, k, seed, mmff = args
    return embed_conformers(Chem.MolFromMolBlock(molblock, removeHs=False), k, seed, mmff)


def run_rdkit(mols: list[Chem.Mol], k: int, seed: int, mmff: bool) -> Conformers:
    """ETKDGv3 (and MMFF) conformers, in ``RDKIT_PROCESSES`` processes.

    Each molecule gets its own non-zero RDKit seed (:func:`chem.etkdg.rdkit_seed`): with seed
    0 RDKit repeats one conformer K times, which made an earlier baseline K = 1.
    """
    jobs = [(Chem.MolToMolBlock(m), k, seed + i, mmff) for i, m in enumerate(mols)]
    with multiprocessing.get_context("spawn").Pool(RDKIT_PROCESSES) as pool:
        return list(pool.imap(_etkdg_one, jobs, chunksize=8))


def run_checkpoint(path: Path, mols: list[Chem.Mol], k: int, seed: int, steps: int) -> Conformers:
    """Conformers of a shipped checkpoint (stereo from the reference, as users' inputs)."""
    model = load_conformer_model(path)
    inputs = [
        InputMolecule(i, f"mol{i}", Chem.MolToSmiles(m), m, featurize(m))
        for i, m in enumerate(mols)
    ]
    job = ConformerJob(k, SamplingConfig("ode", steps), seed, checks=False)
    coords: list[list[np.ndarray]] = [[] for _ in mols]
    for record, molecule in zip(
        generate_conformers(model, inputs, job), (m for m in inputs for _ in range(k)), strict=True
    ):
        coords[molecule.index].append(record.coords)
    return [np.stack(c) for c in coords]


def _heavy(mol: Chem.Mol, coords: np.ndarray) -> Chem.Mol:
    return Chem.RemoveHs(set_coordinates(mol, coords))


def posebusters_pass_rate(mols: list[Chem.Mol], conformers: Conformers) -> float:
    """Fraction of conformers that pass every PoseBusters "mol" check (failed embeddings fail)."""
    placed = [
        set_coordinates(mol, c)
        for mol, confs in zip(mols, conformers, strict=True)
        if confs is not None
        for c in confs
    ]
    expected = sum(len(c) if c is not None else 1 for c in conformers)
    if not placed:
        return 0.0
    report = PoseBusters(config="mol").bust(placed, None, None)
    return float(report.all(axis=1).sum()) / expected


def score(mols: list[Chem.Mol], conformers: Conformers, seconds: float) -> dict[str, float]:
    """All metrics of one method but PoseBusters (see the module docstring)."""
    minima, recovered, stereo_ok, stereo_total, made = [], 0, 0, 0, 0
    for mol, confs in zip(mols, conformers, strict=True):
        if confs is None:
            minima.append(np.inf)
            continue
        reference = Chem.RemoveHs(mol)
        minima.append(min(rdMolAlign.GetBestRMS(_heavy(mol, c), reference) for c in confs))
        wanted = stereo_labels(mol)
        for c in confs:
            made += 1
            recovered += graph_recovered(mol, c)
            if wanted:
                stereo_total += 1
                stereo_ok += labels_from_coordinates(mol, c) == wanted
    minima_arr = np.array(minima)
    finite = minima_arr[np.isfinite(minima_arr)]
    return {
        "amr": float(finite.mean()) if finite.size else float("nan"),
        "median_min_rmsd": float(np.median(finite)) if finite.size else float("nan"),
        "cov_0.5": float((minima_arr < 0.5).mean()),
        "cov_0.25": float((minima_arr < 0.25).mean()),
        "failed_fraction": float(1 - finite.size / len(mols)),
        "graph_recovered": recovered / max(made, 1),
        "stereo_agreement": stereo_ok / max(stereo_total, 1),
        "stereo_conformers": stereo_total,
        "conformers_per_second": made / seconds,
        "seconds": round(seconds, 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Run every method on the same molecules and print one JSON report."""
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="qsdiff bench conformers", description=__doc__)
    parser.add_argument("--data", type=Path, default=settings.qm9_npz)
    parser.add_argument("--split", default="valid", choices=list(SPLITS))
    parser.add_argument("--n-mols", type=int, default=500)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20, help="sampler steps of the checkpoints")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--posebusters-mols", type=int, default=100)
    parser.add_argument(
        "--checkpoints",
        type=Path,
        nargs="*",
        default=sorted(settings.checkpoint_dir.glob("conformer-*.pt")),
    )
    parser.add_argument("--json", action="store_true", help="(the report is always JSON)")
    parser.add_argument(
        "--update-cards", action="store_true", help="write each checkpoint's metrics to its card"
    )
    args = parser.parse_args(argv)
    RDLogger.DisableLog("rdApp.*")
    mols = load_molecules(args.data, args.split, args.n_mols)
    methods: dict[str, tuple[Callable[[], Conformers], str]] = {
        "etkdgv3": (
            lambda: run_rdkit(mols, args.k, args.seed, mmff=False),
            f"{RDKIT_PROCESSES} processes",
        ),
        "etkdgv3+mmff": (
            lambda: run_rdkit(mols, args.k, args.seed, mmff=True),
            f"{RDKIT_PROCESSES} processes",
        ),
    }
    labels = method_labels(args.checkpoints)
    for label, path in zip(labels, args.checkpoints, strict=True):
        methods[label] = (
            lambda path=path: run_checkpoint(path, mols, args.k, args.seed, args.steps),
            f"1 process, {torch.get_num_threads()} torch threads",
        )
        relaxed = f"{label} +mmff"
        methods[relaxed] = (
            lambda label=label: relax_all(pool, mols, made[label]),
            f"the conformers of {label}, relaxed in {PROCESSES} processes (time added)",
        )
    report = {
        "benchmark": "conformers",
        "data": str(args.data),
        "split": args.split,
        "molecules": len(mols),
        "k": args.k,
        "steps": args.steps,
        "methods": {},
    }
    made: dict[str, Conformers] = {}
    pool = process_pool()  # for the relaxation of the checkpoints' conformers
    for name, (make, parallelism) in tqdm(methods.items(), desc="methods", file=sys.stderr):
        start = time.perf_counter()
        conformers = made[name] = make()
        elapsed = time.perf_counter() - start
        if name.endswith(" +mmff"):  # relaxing adds to the time of making them
            elapsed += report["methods"][name.removesuffix(" +mmff")]["seconds"]
        subset = slice(0, args.posebusters_mols)
        report["methods"][name] = {
            **score(mols, conformers, elapsed),
            "posebusters_pass": posebusters_pass_rate(mols[subset], conformers[subset]),
            "parallelism": parallelism,
        }
    pool.close()
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write("\n")
    if args.update_cards:
        command = "qsdiff bench conformers " + " ".join(argv if argv is not None else sys.argv[3:])
        for label, path in zip(labels, args.checkpoints, strict=True):
            others = {k: v for k, v in report["methods"].items() if k.startswith("etkdg")}
            update_model_card(
                path,
                "benchmark",
                {
                    "command": command,
                    **{k: report[k] for k in ("data", "split", "molecules", "k", "steps")},
                    "metrics": report["methods"][label],
                    "rdkit_same_run": others,
                },
            )
    return 0
