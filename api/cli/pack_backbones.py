"""``qsdiff pack-backbones FOLDER -o set.npz``: a folder of PDB / mmCIF files as one npz set.

Every protein chain of every structure file under the folder (recursively, gzipped or not) is
split at chain breaks and kept when it has at least ``--min-length`` residues, in the layout of
the shipped sets, so that ``qsdiff train backbones --data`` and ``qsdiff bench backbones
--reference`` read a large set (a CATH or AFDB export) without parsing it again. Files that
cannot be read are named on stderr and skipped. Exit status: 0 on success, 2 on a usage error
or when no chain was found.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from api.cli.options import usage_error
from chem.proteins import load_backbones, write_backbone_set

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff pack-backbones``."""
    parser.add_argument("folder", type=Path, help="folder of .pdb / .cif files (recursive)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="output .npz")
    parser.add_argument(
        "--min-length", type=int, default=32, help="shortest chain segment kept (default 32)"
    )


def run(args: argparse.Namespace) -> int:
    """Pack the folder; see the module docstring for exit codes."""
    if not args.folder.is_dir():
        raise usage_error("folder", f"{args.folder} is not a folder")
    if args.output.suffix != ".npz":
        raise usage_error("-o/--output", "-o/--output must end in .npz")
    if args.min_length < 2:
        raise usage_error("--min-length", "--min-length must be at least 2")
    skipped: list[ValueError] = []

    def skip(error: ValueError) -> None:
        skipped.append(error)
        print(f"skipped: {error}", file=sys.stderr)

    try:
        chains = load_backbones(args.folder, args.min_length, on_skip=skip)
    except ValueError as e:  # no chain long enough
        raise usage_error("--min-length", str(e)) from e
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_backbone_set(chains, args.output, source=args.folder.name)
    residues = sum(len(c) for c in chains)
    print(
        f"{len(chains)} chains, {residues} residues -> {args.output} ({len(skipped)} files skipped)"
    )
    return 0
