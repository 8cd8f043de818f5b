"""The ``aux_ebc_fit`` task: train an EbC encoder on one world; weights and a report out."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.aux_ebc import ENCODER_FILE, FIT_TASK, REPORT_FILE, fit_and_report
from service.limits import MAX_SEED
from service.registry import ModelRegistry
from service.tasks.base import TaskOutput, TaskRun

__all__ = ["MAX_WORK", "EbcFitParams", "EbcFitTask"]

MAX_WORK = 15_000 * 64 * 128
"""Bound on ``steps * systems * hidden``: the default fit, about 2 minutes on one CPU thread
(half that with ``held_out="one"``)."""


class EbcFitParams(BaseModel):
    """What to fit; bounded (:data:`MAX_WORK`) so that a job stays within a couple of CPU minutes.

    The default is the benchmark's latent-world budget (R^2 0.99); fewer steps fit less (0.94
    at 1,500).
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"setting": "latent", "steps": 1500, "seed": 0}]},
    )

    setting: Literal["latent", "shapes"] = Field(
        "latent", description="latent: mixed Gaussian latents; shapes: rendered 16x16 images"
    )
    steps: int = Field(15_000, ge=1, le=30_000, description="optimiser steps")
    dim: int = Field(4, ge=2, le=5, description="latent dimension of the latent setting")
    systems: int = Field(64, ge=4, le=256, description="systems (group elements) per batch")
    hidden: int = Field(128, ge=8, le=512, description="encoder width")
    lr: float = Field(2e-3, gt=0, le=0.1)
    identity: bool = Field(False, description="ablation: R fixed to the identity")
    solve_gradient: bool = Field(
        False, description="backpropagate through the least-squares R (finds more on shapes)"
    )
    held_out: Literal["one", "each"] = Field(
        "each",
        description="pairs predicted per system: each in turn with R solved from the others, or "
        "the first only (half the time per step)",
    )
    seed: int = Field(0, ge=0, le=MAX_SEED)

    @model_validator(mode="after")
    def _bounded(self) -> EbcFitParams:
        work = self.steps * self.systems * self.hidden
        if work > MAX_WORK:
            raise ValueError(
                f"steps x systems x hidden = {work:,} is over the limit {MAX_WORK:,}; "
                "use fewer steps or systems, or a narrower encoder"
            )
        return self


class EbcFitTask:
    """Params in; ``encoder.pt`` (weights and config) and ``report.json`` (measurements) out."""

    name: ClassVar[str] = FIT_TASK
    params_model: ClassVar[type[BaseModel]] = EbcFitParams
    files: ClassVar[dict[str, str]] = {"json": REPORT_FILE, "pt": ENCODER_FILE}
    """``pt`` is not a download format of its own: ``?format=zip`` carries it."""

    def check(self, params: EbcFitParams, registry: ModelRegistry) -> int:  # noqa: ARG002 (protocol)
        """Progress is counted in steps."""
        return params.steps

    def batch_key(self, params: EbcFitParams) -> str:  # noqa: ARG002 (protocol)
        """Fits share nothing; leased together they simply run one after the other."""
        return self.name

    def run(self, runs: Sequence[TaskRun], registry: ModelRegistry) -> list[TaskOutput | None]:  # noqa: ARG002 (protocol)
        """Fit each run's encoder in turn into its ``out_dir``."""
        from models.aux.ebc import EbcConfig

        outputs: list[TaskOutput | None] = []
        for run in runs:
            config = EbcConfig(**run.params.model_dump())
            report = fit_and_report(
                config, run.progress, run.cancelled, out=run.out_dir / ENCODER_FILE
            )
            if report is None:
                outputs.append(None)
                continue
            (run.out_dir / REPORT_FILE).write_text(json.dumps(report, indent=1))
            outputs.append(TaskOutput(dict(self.files), report))
        return outputs
