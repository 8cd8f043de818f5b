"""Equivariance by Contrast: fit an encoder, embed, solve ``R(g)`` from pairs (library)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from service.errors import NotReady
from service.task import InvalidTaskInput

if TYPE_CHECKING:
    from collections.abc import Callable

    from models.aux.ebc import EbcConfig, Encoder

__all__ = [
    "ENCODER_FILE",
    "FIT_TASK",
    "REPORT_FILE",
    "FitNotReady",
    "as_matrix",
    "embed_inputs",
    "fit_and_report",
    "load_fitted_encoder",
    "represent_pairs",
]

FIT_TASK = "aux_ebc_fit"
ENCODER_FILE = "encoder.pt"
REPORT_FILE = "report.json"
MAX_EMBEDDING = 32
"""Largest embedding dimension a fit may ask for (the shapes use 16)."""


class FitNotReady(NotReady):
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
def load_fitted_encoder(path: str) -> tuple[Encoder, EbcConfig]:
    """The encoder and config saved at ``path`` (cached: eight files at most)."""
    from models.aux.ebc import load_encoder

    return load_encoder(Path(path))


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
