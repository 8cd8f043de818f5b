"""``qsdiff bench molecules``: de novo molecules under two protocols, side by side.

Each conformer treatment places the same ``--n`` generated graphs (sizes drawn from QM9, one
graph draw per molecule unless ``--max-attempts``: the model's own rate, not a filtered one)
through the service's own generator. Two protocols score the same samples:

- ``graph``: the generated bonds (MiDi, EQGAT-diff, SemlaFlow): atom and molecule stability
  (valences at the generated formal charges), validity, uniqueness, V x U, novelty against the
  QM9 train split (stereo-free canonical SMILES);
- ``edm``: bonds guessed from the coordinates' distances alone (EDM, GeoLDM), as before.

Also: molecules per second (graph, conformer and relaxation; the per-record checks are left
out of the timing), and the median MMFF94 strain and PoseBusters pass rate of the first
``--posebusters`` placed molecules. QM9's valid split is
scored under both protocols, and the published numbers are printed beside.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace

import torch
from rdkit import Chem
from tqdm import tqdm

from chem.conformer_checks import conformer_checks
from chem.edm_metrics import EdmMetrics, build_molecule, evaluate, largest_fragment_smiles
from chem.generated import GeneratedMolecule
from chem.graph_checks import graph_protocol
from chem.qm9_atoms import load_qm9_atoms
from service.checkpoints import load_conformer_model, load_graph_model
from service.config import Settings, get_settings
from service.conformers.relax import Relax
from service.molecules.data import qm9_corpus
from service.molecules.generate import PackedMolecules
from service.molecules.task import MoleculeParams, MoleculeTask

__all__ = ["main"]

PUBLISHED = {
    "edm": {  # QM9, bonds from distances; molecule stability (Hoogeboom 2022; Xu 2023)
        "EDM": 0.820,
        "GeoLDM": 0.894,
    },
    "graph": {  # QM9 with hydrogens, generated bonds; molecule stability
        "MiDi": 0.975,
        "EQGAT-diff": 0.987,
        "SemlaFlow": 0.997,
    },
}


def edm_training_smiles(settings: Settings) -> set[str]:
    """SMILES of the training molecules with bonds from distances, as EDM scores (cached)."""
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


def edm_table(metrics: EdmMetrics, total: int) -> dict[str, float | None]:
    """EDM's table of the placed molecules, over ``total`` samples (the unplaced failed)."""
    share = metrics.num_molecules / max(total, 1)
    validity = metrics.validity * share
    return {
        "atom_stability": round(metrics.atom_stability, 4),
        "molecule_stability": round(metrics.molecule_stability * share, 4),
        "validity": round(validity, 4),
        "uniqueness": round(metrics.uniqueness, 4),
        "valid_and_unique": round(validity * metrics.uniqueness, 4),
        "novelty": None if metrics.novelty is None else round(metrics.novelty, 4),
    }


def placed_checks(molecules: list[GeneratedMolecule], count: int) -> dict[str, float | None]:
    """Median MMFF94 strain and PoseBusters pass rate of the first ``count`` placed molecules."""
    placed = [m for m in molecules if m.mol is not None][:count]
    checks = [conformer_checks(m.mol, m.positions) for m in placed]
    strains = [c["mmff94_strain"] for c in checks if isinstance(c["mmff94_strain"], float)]
    return {
        "checked": len(checks),
        "median_mmff94_strain": round(statistics.median(strains), 2) if strains else None,
        "posebusters_pass": round(
            sum(int(c["posebusters_pass"]) for c in checks) / max(len(checks), 1), 4
        ),
    }


def run_treatment(
    settings: Settings,
    params: MoleculeParams,
    known: tuple[set[str], set[str]],
    checked: int,
) -> dict:
    """Generate, score and time one treatment's molecules (``known``: graph and EDM SMILES)."""
    graph_known, edm_known = known
    graph_model = load_graph_model(settings.checkpoint_dir / "molecule-graph.pt")
    conformer_model = load_conformer_model(
        settings.checkpoint_dir / f"conformer-{params.treatment}.pt"
    )
    request = MoleculeTask.request(params, graph_model)
    request = replace(request, conformer=replace(request.conformer, checks=False))
    start = time.perf_counter()
    with tqdm(total=params.num_samples, desc=params.treatment, unit="mol", file=sys.stderr) as bar:
        molecules = [
            m
            for _, m in PackedMolecules(
                graph_model, conformer_model, [request], progress=lambda _, k: bar.update(k)
            )
        ]
    seconds = time.perf_counter() - start
    placed = [m for m in molecules if m.mol is not None]
    return {
        "protocols": {
            "graph": graph_protocol([m.mol for m in molecules], graph_known).table(),
            "edm": edm_table(
                evaluate(((m.types, m.positions) for m in placed), edm_known), len(molecules)
            ),
        },
        "size_kept": round(
            sum(
                m.properties.get("num_heavy_atoms") == m.properties["num_heavy_atoms_asked"]
                for m in molecules
            )
            / len(molecules),
            4,
        ),
        **placed_checks(molecules, checked),
        "molecules_per_second": round(len(molecules) / seconds, 2),
        "graph_checkpoint": f"{graph_model.path.name} ({graph_model.steps} steps)",
        "conformer_checkpoint": f"{conformer_model.path.name} ({conformer_model.steps} steps)",
        "parallelism": f"1 process, {torch.get_num_threads()} torch threads",
    }


def qm9_rows(settings: Settings, graph_known: set[str], edm_known: set[str]) -> dict:
    """QM9's valid split under both protocols (its SMILES; its DFT geometries)."""
    valid = qm9_corpus(settings.qm9_npz, "valid", settings.cache_dir)
    mols = [Chem.MolFromSmiles(s) for s in valid.smiles]
    geometries = load_qm9_atoms(settings.qm9_npz, "valid")
    return {
        "graph": graph_protocol(mols, graph_known).table(),
        "edm": edm_table(evaluate(geometries, edm_known), len(geometries)),
    }


def main(argv: list[str] | None = None) -> int:
    """Score every shipped conformer treatment on the same graphs; print one JSON report."""
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="qsdiff bench molecules", description=__doc__)
    parser.add_argument("--n", type=int, default=1000, help="molecules per treatment")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", choices=("etkdg", "noise"), default=MoleculeParams().start)
    parser.add_argument("--steps", type=int, help="conformer sampler steps (default: the start's)")
    parser.add_argument("--relax", choices=Relax.__args__, default=MoleculeParams().relax)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument(
        "--max-attempts", type=int, default=1, help="graph draws per molecule (1: unfiltered)"
    )
    parser.add_argument("--treatments", nargs="+", default=["quotient", "equivariant"])
    parser.add_argument(
        "--posebusters", type=int, default=200, help="placed molecules strain and PoseBusters check"
    )
    parser.add_argument("--json", action="store_true", help="(the report is always JSON)")
    args = parser.parse_args(argv)
    graph_known = set(qm9_corpus(settings.qm9_npz, "train", settings.cache_dir).smiles)
    edm_known = edm_training_smiles(settings)
    methods = {}
    for treatment in args.treatments:
        params = MoleculeParams(
            num_samples=args.n,
            seed=args.seed,
            treatment=treatment,
            num_steps=args.steps,
            start=args.start,
            relax=args.relax,
            temperature=args.temperature,
            max_attempts=args.max_attempts,
        )
        methods[treatment] = run_treatment(
            settings, params, (graph_known, edm_known), args.posebusters
        )
    report = {
        "benchmark": "molecules",
        **{k: getattr(args, k) for k in ("n", "seed", "start", "relax", "temperature")},
        "steps": MoleculeParams(start=args.start, num_steps=args.steps).num_steps,
        "max_attempts": args.max_attempts,
        "methods": methods,
        "qm9_valid": qm9_rows(settings, graph_known, edm_known),
        "published_molecule_stability": PUBLISHED,
    }
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
