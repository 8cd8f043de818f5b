"""``qsdiff aux ebc``: fit an Equivariance-by-Contrast encoder, embed, solve ``R(g)`` from pairs.

  qsdiff aux ebc fit --setting latent -o encoder.pt                # report JSON to stdout
  qsdiff aux ebc embed encoder.pt inputs.json                     # [[F floats], ...] or .npy
  qsdiff aux ebc represent pairs.json [--encoder encoder.pt]       # {"x": [...], "x_prime": [...]}

``represent`` solves ``x' ~ R x`` by least squares; with ``--encoder`` the pairs are
observations and are embedded first. Bad input: a message on stderr and exit status 2
(``api/cli/exit_codes.py``).
The functions below are also what the routes and the ``aux_ebc_fit`` task call.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from api.cli.options import int_in, usage_error
from service.aux import ebc
from service.limits import MAX_SEED

if TYPE_CHECKING:
    from models.aux.ebc import EbcConfig, Encoder

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff aux ebc``."""
    commands = parser.add_subparsers(dest="ebc_command", required=True, metavar="COMMAND")
    fit = commands.add_parser("fit", help="train an encoder, save it, print its measurements")
    fit.add_argument("--setting", choices=["latent", "shapes"], default="latent")
    fit.add_argument(
        "--steps",
        type=int_in(1, 100_000),
        help="optimiser steps (default: latent 15000, R^2 0.99 against 0.94 at 1500; shapes 5000)",
    )
    fit.add_argument(
        "--dim", type=int_in(2, 5), default=4, help="latent dimension (latent setting)"
    )
    fit.add_argument("--seed", type=int_in(0, MAX_SEED), default=0)
    fit.add_argument("--identity", action="store_true", help="ablation: fix R to the identity")
    fit.add_argument(
        "--solve-gradient",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="backpropagate through the least-squares R (default: on for shapes, where the "
        "orientation needs it; off for latent)",
    )
    fit.add_argument(
        "--embedding",
        type=int_in(2, ebc.MAX_EMBEDDING),
        help="embedding dimension (default: the latent dimension; 16 for shapes, which find "
        "their orientation only with room beside their 6 latents)",
    )
    fit.add_argument(
        "--held-out",
        choices=["one", "each"],
        default="each",
        help="pairs predicted per system: each in turn with R from the others (default), or "
        "the first only (half the time per step)",
    )
    fit.add_argument("-o", "--output", type=Path, required=True, help="encoder file (.pt)")
    embed = commands.add_parser("embed", help="embed observations with a fitted encoder")
    embed.add_argument("encoder", type=Path)
    embed.add_argument("inputs", type=Path, help="JSON [[F numbers], ...] or .npy [B, F]")
    represent = commands.add_parser("represent", help="R(g) from pairs by least squares")
    represent.add_argument("pairs", type=Path, help='JSON {"x": [[...]], "x_prime": [[...]]}')
    represent.add_argument("--encoder", type=Path, help="embed the pairs with this first")


def _read(path: Path, option: str) -> Any:
    """The JSON or ``.npy`` file ``path`` that ``option`` names."""
    try:
        if path.suffix == ".npy":
            return np.load(path, allow_pickle=False)
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise usage_error(option, f"{option}: cannot read {path}: {e}") from e


def _encoder(path: Path) -> tuple[Encoder, EbcConfig]:
    """The encoder and config that ``fit`` saved at ``path``; any other file is a usage error."""
    if not path.is_file():
        raise usage_error("encoder", f"no encoder file at {path}")
    try:
        return ebc.load_fitted_encoder(str(path))
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, pickle.UnpicklingError) as e:
        message = f"{path} is not an encoder saved by fit ({type(e).__name__}: {e})"
        raise usage_error("encoder", message) from e


def _run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    torch.set_num_threads(1)
    if args.ebc_command == "fit":
        if not args.output.parent.is_dir():  # before the fit, not after it
            raise usage_error("-o/--output", f"no folder {args.output.parent} to write into")
        from models.aux.ebc import EbcConfig

        given = {
            "steps": args.steps,
            "solve_gradient": args.solve_gradient,
            "embedding": args.embedding,
        }  # options left out are the setting's
        config = EbcConfig.for_setting(
            args.setting,
            **{key: value for key, value in given.items() if value is not None},
            dim=args.dim,
            identity=args.identity,
            held_out=args.held_out,
            seed=args.seed,
        )
        with tqdm(total=config.steps, unit="step", disable=None, file=sys.stderr) as bar:
            return ebc.fit_and_report(config, bar.update, out=args.output) or {}
    if args.ebc_command == "embed":
        encoder, config = _encoder(args.encoder)
        embeddings = ebc.embed_inputs(encoder, _read(args.inputs, "inputs"))
        return {"setting": config.setting, "embeddings": embeddings.tolist()}
    pairs = _read(args.pairs, "pairs")
    if not isinstance(pairs, dict) or not {"x", "x_prime"} <= pairs.keys():
        raise usage_error("pairs", 'expected a JSON object {"x": [[...]], "x_prime": [[...]]}')
    encoder = _encoder(args.encoder)[0] if args.encoder else None
    return ebc.represent_pairs(pairs["x"], pairs["x_prime"], encoder)


def run(args: argparse.Namespace) -> int:
    """Run the command; JSON on stdout (bad input raises the project's error, for ``main``)."""
    print(json.dumps(_run(args)))
    return 0
