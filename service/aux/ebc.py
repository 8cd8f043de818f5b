"""Equivariance by Contrast: fit an encoder, embed, solve ``R(g)`` from pairs (library).

Fits run as jobs: :class:`EbcFitTask` is the ``aux_ebc_fit`` task, :class:`EbcFitParams` its
bounded parameters.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.errors import NotReady
from service.limits import MAX_SEED
from service.registry import ModelRegistry
from service.task import InvalidTaskInput, TaskOutput, TaskRun

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from models.aux.ebc import EbcConfig, Encoder

__all__ = [
    "ENCODER_FILE",
    "FIT_TASK",
    "MAX_EMBEDDING",
    "MAX_WORK",
    "REPORT_FILE",
    "EbcFitParams",
    "EbcFitTask",
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
MAX_WORK = 15_000 * 64 * 11 * 128
"""Bound on ``steps * systems * pairs per system * hidden``: the latent world's default fit at
``D = 5`` (at ``D = 4`` about 3 minutes on one CPU thread); the shapes' default is within it."""


class FitNotReady(NotReady):
    """The fit job exists but has not succeeded (yet)."""


def _invalid(field: str, msg: str) -> InvalidTaskInput:
    return InvalidTaskInput([{"loc": ["body", field], "msg": msg}], f"{field}: {msg}")


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


class EbcFitParams(BaseModel):
    """What to fit; bounded (:data:`MAX_WORK`) so that a job stays within a few CPU minutes.

    Unset fields with a null default are the setting's, the benchmark's (``SETTING_DEFAULTS``:
    latent-world R^2 0.99; fewer steps fit less, 0.94 at 1,500).
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"setting": "latent", "steps": 1500, "seed": 0}]},
    )

    setting: Literal["latent", "shapes"] = Field(
        "latent", description="latent: mixed Gaussian latents; shapes: rendered 16x16 images"
    )
    steps: int | None = Field(
        None, ge=1, le=30_000, description="optimiser steps; null: latent 15000, shapes 5000"
    )
    dim: int = Field(4, ge=2, le=5, description="latent dimension of the latent setting")
    systems: int | None = Field(
        None, ge=4, le=256, description="systems (group elements) per batch; null: 64, shapes 32"
    )
    hidden: int = Field(128, ge=8, le=512, description="encoder width")
    lr: float = Field(2e-3, gt=0, le=0.1)
    identity: bool = Field(False, description="ablation: R fixed to the identity")
    solve_gradient: bool | None = Field(
        None,
        description="backpropagate through the least-squares R; null: on for shapes (which "
        "find their orientation only with it), off for latent",
    )
    embedding: int | None = Field(
        None,
        ge=2,
        le=MAX_EMBEDDING,
        description="embedding dimension; null: the latent dimension, 16 for shapes (which "
        "find their orientation only with room beside their 6 latents)",
    )
    held_out: Literal["one", "each"] = Field(
        "each",
        description="pairs predicted per system: each in turn with R solved from the others, or "
        "the first only (half the time per step)",
    )
    seed: int = Field(0, ge=0, le=MAX_SEED)

    @model_validator(mode="after")
    def _bounded(self) -> EbcFitParams:
        config = self.config()
        pairs = config.num_references + 1
        work = config.steps * config.systems * pairs * config.hidden
        if work > MAX_WORK:
            raise ValueError(
                f"steps x systems x pairs per system x hidden = {work:,} is over the limit "
                f"{MAX_WORK:,}; use fewer steps or systems, or a narrower encoder or embedding"
            )
        return self

    def config(self) -> EbcConfig:
        """The fit's config: these params over the setting's budget."""
        from models.aux.ebc import EbcConfig

        return EbcConfig.for_setting(**self.model_dump(exclude_none=True))


class EbcFitTask:
    """Params in; ``encoder.pt`` (weights and config) and ``report.json`` (measurements) out."""

    name: ClassVar[str] = FIT_TASK
    params_model: ClassVar[type[BaseModel]] = EbcFitParams
    files: ClassVar[dict[str, str]] = {"json": REPORT_FILE, "pt": ENCODER_FILE}
    """``pt`` is not a download format of its own: ``?format=zip`` carries it."""

    def check(self, params: EbcFitParams, registry: ModelRegistry) -> int:  # noqa: ARG002 (protocol)
        """Progress is counted in steps."""
        return params.config().steps

    def cost(self, params: EbcFitParams, registry: ModelRegistry) -> int:  # noqa: ARG002 (protocol)
        """Work units: the fit's work (as :data:`MAX_WORK` bounds it) / 1,000."""
        config = params.config()
        work = config.steps * config.systems * (config.num_references + 1) * config.hidden
        return max(work // 1000, 1)

    def batch_key(self, params: EbcFitParams) -> str:  # noqa: ARG002 (protocol)
        """Fits share nothing; leased together they simply run one after the other."""
        return self.name

    def run(self, runs: Sequence[TaskRun], registry: ModelRegistry) -> list[TaskOutput | None]:  # noqa: ARG002 (protocol)
        """Fit each run's encoder in turn into its ``out_dir``."""
        outputs: list[TaskOutput | None] = []
        for run in runs:
            config = run.params.config()
            report = fit_and_report(
                config, run.progress, run.cancelled, out=run.out_dir / ENCODER_FILE
            )
            if report is None:
                outputs.append(None)
                continue
            (run.out_dir / REPORT_FILE).write_text(json.dumps(report, indent=1))
            outputs.append(TaskOutput(dict(self.files), report))
        return outputs
