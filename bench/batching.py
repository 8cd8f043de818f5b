"""``qsdiff bench batching``: samples per second with requests packed together vs one at a time.

Many small conformer requests (``--requests`` of one molecule x ``--samples`` conformers each,
drawn from a fixed list of QM9-sized or drug-sized SMILES) run through the conformer task
exactly as the worker runs them: (a) one request at a time, (b) packed into batches of at most
``Settings.worker_batch_samples`` samples, as the worker leases compatible jobs together and
the inline engine batches concurrent requests. The two are timed alternately ``--repeats``
times (medians reported) and their conformers compared, which must agree (ODE sampler).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from rdkit import Chem

from service.config import get_settings
from service.jobs.tasks import TASKS, ConformerParams, TaskRun
from service.registry import ModelRegistry

__all__ = ["main"]

SMALL = ["CCO", "CC(=O)N", "c1ccncc1", "CC(C)O", "OCC#N", "C1CCOC1", "CC#CC=O", "NC(=O)CO"]
DRUG_SIZED = [
    "CC(=O)Nc1ccc(O)cc1",
    "CC(C)Cc1ccc(C(C)C(=O)O)cc1",
    "COc1ccc2[nH]cc(CCN)c2c1",
    "O=C(O)c1ccccc1O",
    "CN1CCC[C@H]1c1cccnc1",
    "CC(C)NCC(O)COc1cccc2ccccc12",
    "Cn1cnc2c1c(=O)n(C)c(=O)n2C",
    "C[C@@H](N)Cc1ccccc1",
]


def _requests(smiles: list[str], count: int, samples: int, steps: int) -> list[ConformerParams]:
    return [
        ConformerParams(
            smiles=[smiles[i % len(smiles)]], num_samples=samples, num_steps=steps, seed=i
        )
        for i in range(count)
    ]


def _batches(requests: list[ConformerParams], budget: int) -> list[list[ConformerParams]]:
    """Consecutive requests grouped up to ``budget`` samples, as a worker leases them."""
    batches: list[list[ConformerParams]] = [[]]
    for params in requests:
        if batches[-1] and sum(p.num_samples for p in batches[-1]) + params.num_samples > budget:
            batches.append([])
        batches[-1].append(params)
    return batches


def _run(batches: list[list[ConformerParams]], registry: ModelRegistry) -> tuple[float, list]:
    """Seconds to run every batch, and every conformer's coordinates in request order."""
    task = TASKS["conformers"]
    coords = []
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        for b, batch in enumerate(batches):
            runs = [TaskRun(p, Path(folder) / f"{b}-{i}") for i, p in enumerate(batch)]
            task.run(runs, registry)
        elapsed = time.perf_counter() - start
        for b, batch in enumerate(batches):
            for i in range(len(batch)):
                sdf = Path(folder) / f"{b}-{i}" / "conformers.sdf"
                for mol in Chem.SDMolSupplier(str(sdf), removeHs=False):
                    coords.append(mol.GetConformer().GetPositions())
    return elapsed, coords


def main(argv: list[str] | None = None) -> int:
    """Run the comparison; print a table, or JSON with ``--json``."""
    parser = argparse.ArgumentParser(prog="qsdiff bench batching", description=__doc__)
    parser.add_argument("--requests", type=int, default=64, help="number of small requests")
    parser.add_argument("--samples", type=int, default=1, help="conformers per request")
    parser.add_argument("--molecules", choices=("small", "drug"), default="small")
    parser.add_argument("--steps", type=int, default=20, help="sampler steps")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (a worker uses 1)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    settings = get_settings()
    registry = ModelRegistry(settings.checkpoint_dir)
    smiles = SMALL if args.molecules == "small" else DRUG_SIZED
    requests = _requests(smiles, args.requests, args.samples, args.steps)
    one_at_a_time = [[p] for p in requests]
    packed = _batches(requests, settings.worker_batch_samples)
    _run(packed[:1], registry)  # load the model and warm up
    times: dict[str, list[float]] = {"one_at_a_time": [], "packed": []}
    for _ in range(args.repeats):
        seconds, solo_coords = _run(one_at_a_time, registry)
        times["one_at_a_time"].append(seconds)
        seconds, packed_coords = _run(packed, registry)
        times["packed"].append(seconds)
    total = args.requests * args.samples
    deviation = max(
        float(np.abs(a - b).max()) for a, b in zip(solo_coords, packed_coords, strict=True)
    )
    median = {name: statistics.median(t) for name, t in times.items()}
    report = {
        "molecules": args.molecules,
        "requests": args.requests,
        "samples_per_request": args.samples,
        "num_steps": args.steps,
        "torch_threads": args.threads,
        "packed_batches": len(packed),
        "repeats": args.repeats,
        "seconds_median": {k: round(v, 3) for k, v in median.items()},
        "samples_per_second": {k: round(total / v, 1) for k, v in median.items()},
        "speedup": round(median["one_at_a_time"] / median["packed"], 2),
        "max_coordinate_difference_angstrom": round(deviation, 6),
    }
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        print()
    else:
        rate = report["samples_per_second"]
        print(f"{total} conformers ({args.requests} {args.molecules} molecules x {args.samples}), "
              f"{args.steps} steps, {args.threads} torch thread(s)")  # fmt: skip
        print(f"  one request at a time: {rate['one_at_a_time']:8.1f} samples/s")
        print(f"  packed ({len(packed)} batches): {rate['packed']:8.1f} samples/s")
        print(f"  speed-up: {report['speedup']}x; max coordinate difference {deviation:.2e} A")
    return 0


if __name__ == "__main__":
    sys.exit(main())
