"""``qsdiff data druglike``: build the drug-like conformer training set (resumable).

Shards go to ``QSDIFF_CACHE_DIR/druglike`` (or ``--out``). Stop it at any time: a rerun skips
the shards that are complete and builds the rest. With ``--smiles FILE`` it builds ensembles of
your own molecules (one SMILES a line) for fine-tuning instead of the shipped sources.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from api.cli.options import int_in, usage_error
from service.config import Settings
from service.conformers.druglike import DruglikeBuild, build_druglike

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff data``."""
    parser.add_argument("dataset", choices=["druglike"], help="which data set to build")
    parser.add_argument("--out", type=Path, help="output folder (default: CACHE_DIR/druglike)")
    parser.add_argument("--smiles", type=Path, help="your own SMILES file instead of the sources")
    parser.add_argument("--limit", type=int_in(1), default=50_000, help="candidate molecules")
    parser.add_argument("--chunk-size", type=int_in(1), default=50, help="molecules per shard")
    parser.add_argument("--workers", type=int_in(1, 64), default=1, help="processes")
    parser.add_argument("--seed", type=int_in(1, 2**31 - 2), default=7)
    parser.add_argument(
        "--first-chunk",
        type=int_in(0),
        default=0,
        help="build from this chunk on (then wrap): a machine whose cache was lost can build "
        "molecules a resumed checkpoint has not seen yet",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Build the missing shards and print the totals as JSON; bad options are InvalidInput."""
    if args.smiles is not None and not args.smiles.is_file():
        raise usage_error("--smiles", f"no SMILES file at {args.smiles}")
    tuning = settings.data_dir / "druglike" / "platinum_tune.sdf.gz"
    build = DruglikeBuild(
        out_dir=args.out or settings.cache_dir / "druglike",
        wheel_dir=settings.cache_dir / "wheels",
        limit=args.limit,
        chunk_size=args.chunk_size,
        workers=args.workers,
        seed=args.seed,
        first_chunk=args.first_chunk,
        smiles_file=args.smiles,
        excluded_sdf=tuning if tuning.is_file() else None,
    )
    try:
        totals = build_druglike(build)
    except ValueError as e:  # the folder was begun with other options, or a file is unreadable
        raise usage_error("--out", str(e)) from e
    print(json.dumps(totals))
    return 0
