"""``qsdiff bench aux cogs``: CoGS's claims measured (Tian, NeurIPS 2025), one JSON report.

1. Sum potentials are ring homomorphisms (network and per-frequency), to machine precision.
2. The SP form of the loss equals the projected L2 loss of the network.
3. The constructed order-6 and order-4/6 networks reach zero loss and 100 % accuracy on Z_23
   and Z_5 x Z_5; removing one frequency raises the loss by exactly that frequency's SP term
   (``2/d`` for order 6; for order 4 every frequency but the ``z_F6`` buffer, whose removal
   uncovers the class biases of all order-4 frequencies, reported apart).
4. Gradient descent from random init with weight decay lands, for most frequencies, on node
   sets that factor as the constructed types (``match_fraction``; the paper reports ~95 %).

``--quick`` runs a small budget (one short training run) for the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

__all__ = ["main"]

GROUPS = ((23,), (5, 5))
SEEDS = (0, 1, 2, 3, 4)
"""Gradient-descent runs per group: the match fraction varies by about 10 points per run."""


def _constructions(group: Any) -> dict[str, Any]:
    """Loss, accuracy and the frequency-removal check of both constructions."""
    from models.aux.cogs import (
        accuracy,
        construct,
        fourier_loss_terms,
        projected_loss,
        remove_frequency,
        to_fourier,
    )

    d, neg, rows = group.order, group.neg(), {}
    for order in (6, 4):
        built = construct(group, order, seed=1)
        base = projected_loss(built.weights, group)
        deltas, gaps = {}, []
        for k in group.frequency_pairs():
            reduced = remove_frequency(built, k)
            terms = fourier_loss_terms(to_fourier(reduced, group), group)
            deltas[k] = projected_loss(reduced, group) - base
            gaps.append(abs(deltas[k] - (terms[k] + terms[neg[k]])))
        # order 4: the first frequency is the z_F6 buffer whose output weights cancel every
        # other frequency's class bias, so removing it raises all terms, not its own alone
        buffer = group.frequency_pairs()[0] if order == 4 else None
        own = [k for k in deltas if k != buffer]
        rows[f"order_{order}"] = {
            "num_nodes": built.weights.num_nodes,
            "projected_loss": base,
            "accuracy": accuracy(built.weights, group),
            "removal_delta_min": min(deltas[k] for k in own),
            "removal_delta_max": max(deltas[k] for k in own),
            "removal_max_gap_to_sp_term": max(gaps[i] for i, k in enumerate(deltas) if k in own),
            "buffer_removal_delta": None if buffer is None else deltas[buffer],
            "two_over_d": 2 / d,
        }
    return rows


def _loss_identity(group: Any) -> float:
    """Relative gap between the network loss and its SP form on a random network."""
    import numpy as np

    from models.aux.cogs import Weights, fourier_loss_terms, projected_loss, to_fourier

    rng, d = np.random.default_rng(0), group.order
    w = Weights(rng.normal(size=(9, d)), rng.normal(size=(9, d)), rng.normal(size=(d, 9)))
    loss = projected_loss(w, group)
    return abs(loss - fourier_loss_terms(to_fourier(w, group), group).sum()) / loss


def _gradient_descent(group: Any, config: Any) -> dict[str, Any]:
    """Train, then analyse the per-frequency structure."""
    from collections import Counter

    from models.aux.cogs import analyse, train

    start = time.perf_counter()
    result = analyse(train(group, config), group)
    return {
        "seed": config.seed,
        "train_seconds": round(time.perf_counter() - start, 1),
        "projected_loss": result.loss,
        "accuracy": result.accuracy,
        "num_alive": result.num_alive,
        "purity": result.purity,
        "match_fraction": result.match_fraction(),
        "kinds": dict(Counter(f.kind for f in result.frequencies)),
        "nodes_per_frequency": [f.num_nodes for f in result.frequencies],
    }


def main(argv: list[str] | None = None) -> int:
    """Print the JSON report."""
    parser = argparse.ArgumentParser(prog="qsdiff bench aux cogs", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small budget (for the tests)")
    args = parser.parse_args(argv)

    import torch

    from models.aux.cogs import AbelianGroup, CogsTrainConfig, homomorphism_errors

    torch.set_num_threads(1)
    start = time.perf_counter()
    groups = [AbelianGroup(m) for m in GROUPS]
    if args.quick:
        runs = [(groups[0], CogsTrainConfig(num_nodes=64, epochs=600, weight_decay=1e-3, seed=0))]
    else:
        runs = [
            (g, CogsTrainConfig(num_nodes=128, epochs=3000, weight_decay=1e-3, seed=s))
            for g in groups
            for s in SEEDS
        ]
    gd = {}
    for group, config in runs:
        gd.setdefault("x".join(map(str, group.moduli)), []).append(_gradient_descent(group, config))
    freqs = [(r["match_fraction"], len(r["nodes_per_frequency"])) for v in gd.values() for r in v]
    report = {
        "benchmark": "aux cogs",
        "quick": args.quick,
        "threads": torch.get_num_threads(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "groups": {
            "x".join(map(str, g.moduli)): {
                "order": g.order,
                "homomorphism_relative_error": homomorphism_errors(g),
                "loss_identity_relative_gap": _loss_identity(g),
                "constructions": _constructions(g),
            }
            for g in groups
        },
        "gradient_descent": {
            "config": {
                key: getattr(runs[0][1], key)
                for key in ("num_nodes", "epochs", "learning_rate", "weight_decay", "init_scale")
            },
            "runs": gd,
            "match_fraction_all": sum(m * n for m, n in freqs) / sum(n for _, n in freqs),
        },
        "seconds": round(time.perf_counter() - start, 1),
    }
    sys.stdout.write(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
