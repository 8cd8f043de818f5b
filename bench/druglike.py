"""``qsdiff bench druglike``: crystal ligands from their SMILES, qsdiff against RDKit, one run.

For each ligand of a Platinum SDF file (default: the tuning split), every method makes N
conformers from the isomeric SMILES alone; the score is the minimum over them of the
heavy-atom RMSD to the crystal pose after optimal superposition (symmetry-aware, RDKit
``GetBestRMS``, at most 10,000 atom maps). Reported per method: success at <= 1 and <= 2 Å,
median minimum RMSD, success by rotatable-bond bins, ligands without a conformer (counted as
not reproduced), conformers per second; on the first ``--quality-ligands`` ligands also the
median MMFF94 local strain (kcal/mol) and the PoseBusters "mol" pass rate.

Methods: ETKDGv3, ETKDGv3 + local MMFF94 relaxation and ETKDGv3+MMFF94 (2 processes, non-zero
seed), and for each checkpoint its conformers from noise and from ETKDG (partial diffusion),
each raw, relaxed locally (the service's default) and minimised to convergence (relaxation in
2 processes, its time counted).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from multiprocessing.pool import Pool
from pathlib import Path

import numpy as np
import torch
from rdkit import Chem, RDLogger
from rdkit.Chem import rdMolAlign
from tqdm import tqdm

from bench.labels import method_labels
from bench.relax import PROCESSES, process_pool, relax_all
from chem.conformer_checks import conformer_checks
from chem.crystal_ligands import CrystalLigand, read_crystal_ligands
from chem.etkdg import MMFF_MAX_ITERS, embed_conformers
from chem.forcefield import LOCAL_RELAX_ITERS
from chem.molecules import InputMolecule, read_smiles
from chem.stereo import set_coordinates
from models.samplers import SamplingConfig
from service.checkpoints import load_conformer_model
from service.conformers.generate import ETKDG_START_STEPS, ConformerJob, generate_conformers

__all__ = ["main"]

ROTOR_BINS = ((0, 3), (4, 6), (7, 9), (10, 10_000))

Conformers = list[np.ndarray | None]  # per ligand: [N, atoms, 3], None when none was made


def _embed(job: tuple[str, int, int, bool]) -> np.ndarray | None:
    molblock, n, seed, mmff = job
    return embed_conformers(Chem.MolFromMolBlock(molblock, removeHs=False), n, seed, mmff)


def run_etkdg(pool: Pool, inputs: list[InputMolecule], n: int, seed: int, mmff: bool) -> Conformers:
    """ETKDGv3 (+MMFF94) conformers of every usable input, in ``pool``."""
    jobs = [(Chem.MolToMolBlock(m.mol), n, seed + m.index, mmff) for m in inputs if m.mol]
    made = iter(pool.map(_embed, jobs, chunksize=4))
    return [next(made) if m.mol else None for m in inputs]


def run_checkpoint(
    path: Path, inputs: list[InputMolecule], n: int, seed: int, sampling: SamplingConfig
) -> Conformers:
    """A checkpoint's conformers from noise (``start_time`` 0) or from ETKDG."""
    model = load_conformer_model(path)
    start = "etkdg" if sampling.start_time > 0 else "noise"
    job = ConformerJob(n, sampling, seed, start=start, checks=False)
    out: list[list[np.ndarray]] = [[] for _ in inputs]
    usable = [m for m in inputs if m.error is None]
    for record, molecule in zip(
        generate_conformers(model, usable, job), (m for m in usable for _ in range(n)), strict=True
    ):
        out[molecule.index].append(record.coords)
    return [np.stack(c) if c else None for c in out]


def _min_rmsd(job: tuple[str, str, np.ndarray | None]) -> float:
    molblock, reference_block, coords = job
    if coords is None:
        return float("inf")
    RDLogger.DisableLog("rdApp.*")
    mol = Chem.MolFromMolBlock(molblock, removeHs=False)
    reference = Chem.MolFromMolBlock(reference_block)
    return min(
        rdMolAlign.GetBestRMS(Chem.RemoveHs(set_coordinates(mol, c)), reference, maxMatches=10_000)
        for c in coords
    )


def min_rmsds(
    pool: Pool, ligands: list[CrystalLigand], inputs: list[InputMolecule], conformers: Conformers
) -> np.ndarray:
    """Per ligand, the minimum heavy-atom RMSD (Å) of its conformers to the crystal pose."""
    jobs = [
        (Chem.MolToMolBlock(m.mol) if m.mol else "", Chem.MolToMolBlock(lig.reference), c)
        for lig, m, c in zip(ligands, inputs, conformers, strict=True)
    ]
    return np.array(pool.map(_min_rmsd, jobs, chunksize=4))


def quality(inputs: list[InputMolecule], conformers: Conformers) -> dict[str, float]:
    """Median MMFF94 local strain (kcal/mol) and PoseBusters "mol" pass rate of the conformers.

    The same checks every served conformer carries (:func:`chem.conformer_checks`); a ligand
    without conformers counts as one failed conformer.
    """
    strains, passed, expected = [], 0, 0
    for molecule, coords in zip(inputs, conformers, strict=True):
        expected += 1 if coords is None else len(coords)
        for c in [] if coords is None else coords:
            checks = conformer_checks(molecule.mol, c)
            passed += int(checks["posebusters_pass"])
            if isinstance(checks["mmff94_strain"], float):
                strains.append(checks["mmff94_strain"])
    return {
        "median_mmff_strain": float(np.median(strains)) if strains else float("nan"),
        "posebusters_pass": passed / max(expected, 1),
    }


def summary(rmsd: np.ndarray, rotors: np.ndarray, made: int, seconds: float) -> dict:
    """Success rates, median, rotatable-bond bins, failures and speed of one method."""
    bins = {}
    for low, high in ROTOR_BINS:
        inside = (rotors >= low) & (rotors <= high)
        name = f"{low}-{high}" if high < 10_000 else f">={low}"
        bins[name] = {
            "ligands": int(inside.sum()),
            "success_1A": float((rmsd[inside] <= 1.0).mean()) if inside.any() else None,
        }
    return {
        "success_1A": float((rmsd <= 1.0).mean()),
        "success_2A": float((rmsd <= 2.0).mean()),
        "median_min_rmsd": float(np.median(rmsd)),
        "by_rotatable_bonds": bins,
        "not_produced": int(np.isinf(rmsd).sum()),
        "conformers_per_second": made / seconds,
        "seconds": round(seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Run every method on the same ligands and print one JSON report."""
    from service.config import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(prog="qsdiff bench druglike", description=__doc__)
    parser.add_argument(
        "--data", type=Path, default=settings.data_dir / "druglike" / "platinum_tune.sdf.gz"
    )
    parser.add_argument("--n", type=int, default=10, help="conformers per ligand")
    parser.add_argument("--ligands", type=int, help="only the first this many ligands")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=20, help="sampler steps from noise")
    parser.add_argument("--start-time", type=float, default=0.5, help="of the ETKDG starts")
    parser.add_argument(
        "--etkdg-steps", type=int, default=ETKDG_START_STEPS, help="sampler steps from ETKDG"
    )
    parser.add_argument("--quality-ligands", type=int, default=100)
    parser.add_argument("--no-noise-start", action="store_true", help="skip starts from noise")
    parser.add_argument(
        "--checkpoints",
        type=Path,
        nargs="*",
        default=sorted(settings.checkpoint_dir.glob("conformer-druglike-*.pt")),
    )
    parser.add_argument("--json", action="store_true", help="(the report is always JSON)")
    args = parser.parse_args(argv)
    RDLogger.DisableLog("rdApp.*")
    ligands = list(read_crystal_ligands(args.data))[: args.ligands]
    inputs = read_smiles([lig.smiles for lig in ligands], [lig.name for lig in ligands])
    rotors = np.array([lig.rotatable_bonds for lig in ligands])
    threads = torch.get_num_threads()

    pool = process_pool()
    methods = {
        "etkdgv3": lambda: run_etkdg(pool, inputs, args.n, args.seed, mmff=False),
        "etkdgv3+mmff": lambda: run_etkdg(pool, inputs, args.n, args.seed, mmff=True),
    }
    starts = [SamplingConfig("ode", args.etkdg_steps, start_time=args.start_time)]
    if not args.no_noise_start:
        starts.insert(0, SamplingConfig("ode", args.steps))
    for label, path in zip(method_labels(args.checkpoints), args.checkpoints, strict=True):
        for sampling in starts:
            name = f"{label} from {'etkdg' if sampling.start_time else 'noise'}"
            methods[name] = lambda p=path, s=sampling: run_checkpoint(
                p, inputs, args.n, args.seed, s
            )
    report = {
        "benchmark": "druglike",
        "data": str(args.data),
        "ligands": len(ligands),
        "n": args.n,
        "steps": args.steps,
        "etkdg_steps": args.etkdg_steps,
        "start_time": args.start_time,
        "torch_threads": threads,
        "rdkit_processes": PROCESSES,
        "methods": {},
    }
    q = slice(0, args.quality_ligands)
    for name, make in tqdm(methods.items(), desc="methods", file=sys.stderr):
        start = time.perf_counter()
        conformers = make()
        seconds = time.perf_counter() - start
        variants = {name: (conformers, seconds)}
        relaxations = {"+mmff-local": LOCAL_RELAX_ITERS}
        if not name.startswith("etkdg"):  # ETKDGv3 + MMFF to convergence is its own row
            relaxations["+mmff"] = MMFF_MAX_ITERS
        if name != "etkdgv3+mmff":
            for suffix, iters in relaxations.items():
                start = time.perf_counter()
                relaxed = relax_all(pool, [m.mol for m in inputs], conformers, iters)
                variants[f"{name} {suffix}"] = (relaxed, seconds + time.perf_counter() - start)
        for variant, (confs, elapsed) in variants.items():
            made = sum(len(c) for c in confs if c is not None)
            report["methods"][variant] = {
                **summary(min_rmsds(pool, ligands, inputs, confs), rotors, made, elapsed),
                **quality(inputs[q], confs[q]),
            }
    pool.close()
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0
