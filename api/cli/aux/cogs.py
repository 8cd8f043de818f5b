"""``qsdiff aux cogs``: CoGS global solutions of Abelian-group addition (Tian, NeurIPS 2025).

  qsdiff aux cogs construct --moduli 23 --order 6 -o weights.npz
  qsdiff aux cogs construct --moduli 5 5 --order 4
  qsdiff aux cogs analyse weights.npz

``construct`` builds the order-6 (``z_nu * z_syn`` per frequency) or mixed order-4/6 solution and
prints its verified loss and accuracy; ``analyse`` reads ``w_a [q, d]``, ``w_b [q, d]``,
``w_c [d, q]`` and ``moduli`` from an ``.npz`` and prints the per-frequency structure. JSON goes
to stdout; bad input is a message on stderr and exit status 2 (``api/cli/exit_codes.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from api.cli.options import int_in
from service.aux import cogs
from service.limits import MAX_SEED

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff aux cogs``."""
    actions = parser.add_subparsers(dest="cogs_action", required=True, metavar="ACTION")
    build = actions.add_parser("construct", help="build a global solution and verify its loss")
    build.add_argument("--moduli", type=int, nargs="+", default=[23], help="Z_n1 x Z_n2 ...")
    build.add_argument("--order", type=int, choices=(4, 6), default=6, help="nodes per frequency")
    build.add_argument(
        "--seed", type=int_in(0, MAX_SEED), default=0, help="draws nu and xi per frequency"
    )
    build.add_argument("-o", "--output", type=Path, help="write w_a, w_b, w_c, moduli (.npz)")
    check = actions.add_parser("analyse", help="per-frequency structure of saved weights")
    check.add_argument("weights", type=Path, help=".npz with w_a, w_b, w_c and moduli")
    check.add_argument("--alive", type=float, default=0.05, help="live-node norm threshold")
    check.add_argument("--tol", type=float, default=0.1, help="factorisation tolerance")


def _load(path: Path) -> dict[str, Any]:
    import numpy as np

    try:
        with np.load(path) as data:
            return {key: data[key] for key in ("w_a", "w_b", "w_c", "moduli")}
    except KeyError as e:
        raise cogs.CogsInputError(
            "weights", f"{path} lacks {e}; expected w_a, w_b, w_c, moduli"
        ) from e
    except (OSError, ValueError) as e:
        raise cogs.CogsInputError("weights", f"cannot read {path} as .npz: {e}") from e


def run(args: argparse.Namespace) -> int:
    """Print the JSON answer (bad input raises :class:`cogs.CogsInputError`, for ``main``)."""
    import numpy as np

    if args.cogs_action == "construct":
        answer = cogs.construct_solution(args.moduli, args.order, args.seed)
        if args.output is not None:
            np.savez(
                args.output,
                **{key: np.asarray(answer[key]) for key in ("w_a", "w_b", "w_c", "moduli")},
            )
            answer = {k: v for k, v in answer.items() if k not in ("w_a", "w_b", "w_c")}
    else:
        data = _load(args.weights)
        moduli = [int(n) for n in np.atleast_1d(data["moduli"])]
        answer = cogs.analyse_weights(
            moduli, data["w_a"], data["w_b"], data["w_c"], args.alive, args.tol
        )
    sys.stdout.write(json.dumps(answer, indent=1) + "\n")
    return 0
