"""``qsdiff aux meanfield run``: DA, FA, EA and free training of shallow networks as N grows.

Measures, for each teacher (``wi``, ``si``, ``arbitrary``) and network size ``N``: the relative
Wasserstein distance between the particle clouds that DA, FA and free training reach from the
same WI start; how far free training started on ``E^G`` (an SI law) drifts from it; the risk
of each scheme (EA started on ``E^G``); and runs the subspace heuristic once (on the SI
teacher's data: with the WI one, ``E^G`` is unstable at these N and noise-grown directions get
picked up). Prints the curves as JSON (``--json``) or a short table, and plots them with
``--png`` (the same plot an ``aux_meanfield`` job returns). Exit status: 0, or 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from api.cli.options import float_in, int_in
from models.aux.meanfield import GROUPS, SCHEMES, TEACHERS, MeanfieldTrainConfig
from service.aux import meanfield
from service.limits import MAX_SEED

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff aux meanfield``."""
    actions = parser.add_subparsers(dest="meanfield_action", required=True, metavar="ACTION")
    measure = actions.add_parser("run", help="measure the curves (JSON or a table; PNG plot)")
    measure.add_argument("--group", choices=GROUPS, default="c2")
    measure.add_argument(
        "--sizes", type=int_in(2, 1000), nargs="+", default=[10, 30, 100], help="N values"
    )
    measure.add_argument("--schemes", nargs="+", choices=SCHEMES, default=list(SCHEMES))
    measure.add_argument("--teachers", nargs="+", choices=TEACHERS, default=list(TEACHERS))
    measure.add_argument("--steps", type=int_in(1), default=40, help="SGD steps per training")
    measure.add_argument("--step-size", type=float_in(0.0, low_open=True), default=0.5)
    measure.add_argument("--batch-per-unit", type=int_in(1), default=2, help="samples per step / N")
    measure.add_argument("--seeds", type=int_in(1), default=1, help="runs averaged per point")
    measure.add_argument("--seed", type=int_in(0, MAX_SEED), default=0)
    measure.add_argument("--json", action="store_true", help="print JSON instead of a table")
    measure.add_argument("--png", type=Path, help="also plot the curves to this PNG")


def run(args: argparse.Namespace) -> int:
    """Measure, print, and plot; see the module docstring for exit codes."""
    config = meanfield.CurveConfig(
        group=args.group,
        sizes=tuple(args.sizes),
        schemes=tuple(args.schemes),
        teachers=tuple(args.teachers),
        seeds=args.seeds,
        seed=args.seed,
        train=MeanfieldTrainConfig(args.steps, args.step_size, args.batch_per_unit),
    )
    result = meanfield.measure_curves(config)
    if args.png is not None:
        meanfield.plot_curves(result, args.png)
    if args.json:
        sys.stdout.write(json.dumps(result, indent=1) + "\n")
        return 0
    for teacher, curves in result["curves"].items():
        for key in ("distance", "risk"):
            for name, ys in curves[key].items():
                row = " ".join(f"{y:.4f}" for y in ys)
                sys.stdout.write(f"{teacher:9s} {key:8s} {name:9s} {row}\n")
        if "escape_free_from_EG" in curves:
            row = " ".join(f"{y:.4f}" for y in curves["escape_free_from_EG"])
            sys.stdout.write(f"{teacher:9s} escape   free      {row}\n")
    sub = result["subspace"]
    sys.stdout.write(
        f"subspace: dims {sub['dims']} found {sub['found_dim']} / {sub['fixed_dim']}\n"
    )
    return 0
