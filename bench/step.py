"""``qsdiff bench step``: one denoising step of the molecule network at EDM's QM9 configuration.

EDM's QM9 model: EGNN with 9 layers of 256 hidden features, attention, tanh-bounded coordinate
updates, node inputs of 5 atom types + charge + time; batch of 100 molecules of 19 atoms,
float32, 2 CPU threads. One step is one network evaluation (no gradient). The report gives the
median of ``--repeats`` timed steps after ``--warmup`` untimed ones, and the edge FLOPs of the
step (the matrix products over pairs, which dominate). EDM's own formulation of the same network
(one edge list, an MLP per edge, scatter-add: ``models/networks/edge_list_egnn.py``) runs the same
weights on the same batch in the same run, alternating with ours; the report has the ratio and the
largest difference between the two outputs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import torch

from models.networks.dense_egnn import DenseEGNN
from models.networks.edge_list_egnn import edge_list, edge_list_egnn

__all__ = ["main"]

EDM_NODE_FEATURES = 5 + 1 + 1  # one-hot atom types, charge, time


def edge_flops(batch: int, atoms: int, hidden: int, layers: int) -> float:
    """FLOPs of the pair-wise matrix products of one step (two ``H x H`` products per layer)."""
    return 2 * layers * 2 * batch * atoms * atoms * hidden * hidden


def main(argv: list[str] | None = None) -> int:
    """Time the step; print a table, or JSON with ``--json``."""
    parser = argparse.ArgumentParser(prog="qsdiff bench step", description=__doc__)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--atoms", type=int, default=19)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=9)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = DenseEGNN(EDM_NODE_FEATURES, EDM_NODE_FEATURES, args.hidden, args.layers).eval()
    h = torch.randn(args.batch, args.atoms, EDM_NODE_FEATURES)
    x = torch.randn(args.batch, args.atoms, 3)
    mask = torch.ones(args.batch, args.atoms, dtype=torch.bool)
    row, col = edge_list([args.atoms] * args.batch)
    flat_h, flat_x = h.reshape(-1, EDM_NODE_FEATURES), x.reshape(-1, 3)
    steps = {
        "dense": lambda: net(h, x, mask),
        "edge_list": lambda: edge_list_egnn(net, flat_h, flat_x, row, col),
    }
    times: dict[str, list[float]] = {name: [] for name in steps}
    outputs: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
    with torch.inference_mode():
        for i in range(args.warmup + args.repeats):
            for name, step in steps.items():
                start = time.perf_counter()
                outputs[name] = step()
                if i >= args.warmup:
                    times[name].append(time.perf_counter() - start)
    # the two forms must compute the same function, or the ratio means nothing
    difference = max(
        (outputs["dense"][k].reshape(-1, width) - outputs["edge_list"][k]).abs().max().item()
        for k, width in ((0, EDM_NODE_FEATURES), (1, 3))
    )
    median = statistics.median(times["dense"])
    reference = statistics.median(times["edge_list"])
    flops = edge_flops(args.batch, args.atoms, args.hidden, args.layers)
    report = {
        "benchmark": "step",
        "batch": args.batch,
        "atoms": args.atoms,
        "hidden": args.hidden,
        "layers": args.layers,
        "dtype": "float32",
        "threads": args.threads,
        "seconds_per_step": {
            "median": round(median, 5),
            "min": round(min(times["dense"]), 5),
            "max": round(max(times["dense"]), 5),
        },
        "edge_list_seconds_per_step": {"median": round(reference, 5)},
        "speedup_over_edge_list": round(reference / median, 2),
        "max_output_difference": float(f"{difference:.2g}"),
        "edge_gflop": round(flops / 1e9, 1),
        "edge_gflop_per_second": round(flops / median / 1e9, 1),
    }
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        print()
    else:
        print(f"EDM QM9 step ({args.batch} x {args.atoms} atoms, {args.hidden} x {args.layers}, "
              f"{args.threads} threads): median {median:.3f} s "
              f"({report['edge_gflop_per_second']} GFLOP/s on the edge products); EDM's edge-list "
              f"form {reference:.3f} s ({reference / median:.1f}x)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
