"""``qsdiff aux ebc``: fit an Equivariance-by-Contrast encoder, embed, solve ``R(g)`` from pairs.

  qsdiff aux ebc fit --setting latent -o encoder.pt                # report JSON to stdout
  qsdiff aux ebc embed encoder.pt inputs.json                     # [[F floats], ...] or .npy
  qsdiff aux ebc represent pairs.json [--encoder encoder.pt]       # {"x": [...], "x_prime": [...]}

``represent`` solves ``x' ~ R x`` by least squares; with ``--encoder`` the pairs are
observations and are embedded first. Bad input: a message on stderr and exit status 2.
The functions below are also what the routes and the ``aux_ebc_fit`` task call.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from api.cli.options import int_in
from service.limits import MAX_SEED
from service.task import InvalidTaskInput

if TYPE_CHECKING:
    from collections.abc import Callable

    from models.aux.ebc import EbcConfig, Encoder
    from service.config import Settings
    from service.jobs.store import JobStore

__all__ = [
    "ENCODER_FILE",
    "FIT_TASK",
    "REPORT_FILE",
    "FitNotReady",
    "add_arguments",
    "as_matrix",
    "embed_inputs",
    "encoder_of_job",
    "fit_and_report",
    "represent_pairs",
    "run",
]

FIT_TASK = "aux_ebc_fit"
ENCODER_FILE = "encoder.pt"
REPORT_FILE = "report.json"
MAX_EMBEDDING = 32
"""Largest embedding dimension a fit may ask for (the shapes use 16)."""


class FitNotReady(RuntimeError):
    """The fit job exists but has not succeeded (yet)."""


def _invalid(field: str, msg: str) -> InvalidTaskInput:
    return InvalidTaskInput([{"loc": ["body", field], "msg": msg}])


def as_matrix(values: Any, field: str, columns: int | None = None) -> np.ndarray:
    """``values`` as a finite float ``[B, columns]`` array, or :class:`InvalidTaskInput`."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise _invalid(field, f"expected a rectangular list of numbers: {e}") from e
    if array.ndim != 2 or array.shape[0] == 0:
        raise _invalid(field, f"expected shape [B, F] with B >= 1, got {list(array.shape)}")
    if columns is not None and array.shape[1] != columns:
        raise _invalid(field, f"expected {columns} features per row, got {array.shape[1]}")
    if not np.isfinite(array).all():
        raise _invalid(field, "values must be finite (no NaN or infinity)")
    return array


def fit_and_report(
    config: EbcConfig,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    out: Path | None = None,
) -> dict[str, Any] | None:
    """Fit, measure and (with ``out``) save the encoder; the report, None if cancelled."""
    from dataclasses import asdict

    from models.aux.ebc import fit, measure, save_encoder

    result = fit(config, progress, cancelled)
    if result is None:
        return None
    if out is not None:
        save_encoder(result, out)
    world = config.world()
    measured = measure(result.encoder, world, samples=2000, elements=32)
    return {
        "config": asdict(config),
        "group": world.group.name,
        "group_order": world.group.order,
        "obs_dim": world.obs_dim,
        "latent_dim": config.latent_dim,
        "embedding_dim": config.embedding_dim,
        "final_loss": round(float(np.mean(result.losses[-20:])), 4),
        "fit_seconds": round(result.seconds, 2),
        "measurements": measured.rounded(),
    }


@functools.lru_cache(maxsize=8)
def _load(path: str) -> tuple[Encoder, EbcConfig]:
    from models.aux.ebc import load_encoder

    return load_encoder(Path(path))


def encoder_of_job(
    settings: Settings, store: JobStore, job_id: str, owner: str | None
) -> tuple[Encoder, EbcConfig]:
    """The encoder a succeeded ``aux_ebc_fit`` job stored (``JobNotFound`` if none is visible)."""
    from service.jobs.store import JobStatus
    from service.jobs.worker import results_path

    job = store.get(job_id, owner)
    if job.task != FIT_TASK:
        raise _invalid("job_id", f"job {job_id} is a {job.task!r} job, not {FIT_TASK!r}")
    if job.status != JobStatus.SUCCEEDED:
        raise FitNotReady(f"job {job_id} is {job.status.value}; embed once it has succeeded")
    return _load(str(results_path(settings, job, ENCODER_FILE)))


def embed_inputs(encoder: Encoder, inputs: Any, field: str = "inputs") -> np.ndarray:
    """Embeddings ``[B, D]`` of observations ``inputs: [B, F]`` (validated against ``F``)."""
    from models.aux.ebc import embed

    return embed(encoder, as_matrix(inputs, field, encoder.obs_dim).astype(np.float32))


def represent_pairs(x: Any, x_prime: Any, encoder: Encoder | None = None) -> dict[str, Any]:
    """``R`` with ``x'_i ~ R x_i`` by least squares, its relative residual and the pair count.

    ``x, x_prime: [B, D]`` embeddings, or observations ``[B, F]`` when ``encoder`` is given.
    Needs ``B >= D`` pairs whose ``x`` span all ``D`` dimensions.
    """
    if encoder is not None:
        x, x_prime = embed_inputs(encoder, x, "x"), embed_inputs(encoder, x_prime, "x_prime")
    x = as_matrix(x, "x")
    x_prime = as_matrix(x_prime, "x_prime", x.shape[1])
    if x_prime.shape[0] != x.shape[0]:
        raise _invalid("x_prime", f"expected {x.shape[0]} rows like x, got {x_prime.shape[0]}")
    dim = x.shape[1]
    solution, _, rank, _ = np.linalg.lstsq(x, x_prime, rcond=None)
    if rank < dim:
        msg = f"the pairs span rank {rank} < {dim}: give at least {dim} independent pairs"
        raise _invalid("x", msg)
    residual = np.linalg.norm(x @ solution - x_prime) / max(np.linalg.norm(x_prime), 1e-12)
    return {"matrix": solution.T.tolist(), "residual": float(residual), "num_pairs": len(x)}


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
        type=int_in(2, MAX_EMBEDDING),
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


def _read(path: Path) -> Any:
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False)
    return json.loads(path.read_text())


def _run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    torch.set_num_threads(1)
    if args.ebc_command == "fit":
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
            return fit_and_report(config, bar.update, out=args.output) or {}
    if args.ebc_command == "embed":
        encoder, config = _load(str(args.encoder))
        embeddings = embed_inputs(encoder, _read(args.inputs))
        return {"setting": config.setting, "embeddings": embeddings.tolist()}
    pairs = _read(args.pairs)
    if not isinstance(pairs, dict) or not {"x", "x_prime"} <= pairs.keys():
        raise ValueError('expected a JSON object {"x": [[...]], "x_prime": [[...]]}')
    encoder = _load(str(args.encoder))[0] if args.encoder else None
    return represent_pairs(pairs["x"], pairs["x_prime"], encoder)


def run(args: argparse.Namespace) -> int:
    """Run the command; JSON on stdout, exit 2 with a message on stderr for bad input."""
    try:
        answer = _run(args)
    except InvalidTaskInput as e:
        print(f"qsdiff aux ebc: {e}", file=sys.stderr)
        return 2
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        print(f"qsdiff aux ebc: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    print(json.dumps(answer))
    return 0
