"""``qsdiff bench aux meanfield``: the mean-field symmetry claims measured as N grows, one JSON.

Maass & Fontbona (NeurIPS 2024), teacher-student on ``G = C2`` (swapping two inputs):

1. From the same WI start, DA, FA and free training reach particle clouds whose relative W2
   distance shrinks as ``N`` grows, for the WI and SI teachers (the same mean-field limit);
   the arbitrary teacher is the control where free training and DA need not agree.
2. Free training started on ``E^G`` (an SI law) leaves it by a distance that shrinks with N.
3. EA (trained in ``E^G``) keeps a risk gap against the WI teacher, whose invariant optimum is
   not in ``E^G``, while DA and FA reach lower risk.
4. The subspace heuristic (data of the SI teacher) finds a subspace equal to ``E^G``.

``summary`` holds the ratios these claims are about. ``--quick`` is a small run for the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

__all__ = ["main"]


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    """Largest-N over smallest-N ratios, the EA risk gap and the heuristic's verdict."""
    curves = result["curves"]
    shrink = {
        teacher: {
            name: ys[-1] / ys[0]
            for name, ys in [
                *c["distance"].items(),
                ("escape_free_from_EG", c["escape_free_from_EG"]),
            ]
        }
        for teacher, c in curves.items()
    }
    risk = curves["wi"]["risk"]
    gap = [ea / max(da, fa) for ea, da, fa in zip(risk["ea"], risk["da"], risk["fa"], strict=True)]
    sub = result["subspace"]
    return {
        "last_over_first": shrink,
        "wi_teacher_ea_risk_over_da_fa": gap,
        "subspace_found": sub["found_dim"] == sub["fixed_dim"] and sub["mismatch"] < 0.05,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the JSON report."""
    parser = argparse.ArgumentParser(prog="qsdiff bench aux meanfield", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (for the tests)")
    parser.add_argument("--json", action="store_true", help="accepted; the report is JSON")
    args = parser.parse_args(argv)

    from models.aux.meanfield import MeanfieldTrainConfig
    from service.aux.meanfield import CurveConfig, measure_curves

    train = MeanfieldTrainConfig(steps=40, step_size=0.5, batch_per_unit=2)
    if args.quick:
        config = CurveConfig(sizes=(10, 40), seeds=1, train=train, heuristic_size=40)
    else:
        config = CurveConfig(sizes=(10, 30, 100, 300), seeds=2, train=train, heuristic_size=100)
    result = measure_curves(config)
    report = {
        "benchmark": "aux meanfield",
        "quick": args.quick,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "summary": _summary(result),
        **result,
    }
    sys.stdout.write(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
