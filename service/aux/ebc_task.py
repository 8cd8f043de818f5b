"""The ``aux_ebc_fit`` task: train an EbC encoder on one world; weights and a report out."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.aux.ebc import EbcConfig
from service.aux.ebc import (
    ENCODER_FILE,
    FIT_TASK,
    MAX_EMBEDDING,
    REPORT_FILE,
    fit_and_report,
)
from service.limits import MAX_SEED
from service.registry import ModelRegistry
from service.task import TaskOutput, TaskRun

__all__ = ["MAX_WORK", "EbcFitParams", "EbcFitTask"]

MAX_WORK = 15_000 * 64 * 11 * 128
"""Bound on ``steps * systems * pairs per system * hidden``: the latent world's default fit at
``D = 5`` (at ``D = 4`` about 3 minutes on one CPU thread); the shapes' default is within it."""


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
