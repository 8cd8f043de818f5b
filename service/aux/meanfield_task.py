"""The ``aux_meanfield`` task: DA / FA / EA / free training curves as N grows, JSON and PNG out."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.limits import MAX_SEED
from service.registry import ModelRegistry
from service.task import InvalidTaskInput, TaskOutput, TaskRun

__all__ = ["MAX_SIZE", "MAX_WORK", "MeanfieldParams", "MeanfieldTask", "work_of"]

MAX_SIZE = 300
MAX_WORK = 1.0e9
"""Bound on ``sum over trainings of steps * batch * N * |G|`` (about a minute on one thread)."""


class MeanfieldParams(BaseModel):
    """Parameters of a mean-field curves run."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"sizes": [10, 30, 100], "steps": 40, "seeds": 1}]},
    )

    group: Literal["c2", "c3"] = Field("c2", description="c2: swap 2 inputs; c3: cycle 3")
    sizes: list[Annotated[int, Field(ge=2, le=MAX_SIZE)]] = Field(
        [10, 30, 100], min_length=1, max_length=6, description="network sizes N (units)"
    )
    schemes: list[Literal["free", "da", "fa", "ea"]] = Field(
        ["free", "da", "fa", "ea"], min_length=1, max_length=4
    )
    teachers: list[Literal["wi", "si", "arbitrary"]] = Field(
        ["wi", "si", "arbitrary"], min_length=1, max_length=3
    )
    steps: int = Field(40, ge=1, le=1000, description="SGD steps per training")
    step_size: float = Field(0.5, gt=0.0, le=2.0)
    batch_per_unit: int = Field(2, ge=1, le=16, description="samples per SGD step, per unit")
    seeds: int = Field(1, ge=1, le=5, description="runs averaged per point")
    seed: int = Field(0, ge=0, le=MAX_SEED)
    heuristic_size: int = Field(100, ge=10, le=MAX_SIZE, description="N of the subspace search")
    tol: float = Field(0.1, gt=0.0, lt=1.0, description="the search's escape threshold")


def _config(params: MeanfieldParams):
    from models.aux.meanfield import TrainConfig
    from service.aux.meanfield import CurveConfig

    return CurveConfig(
        group=params.group,
        sizes=tuple(params.sizes),
        schemes=tuple(dict.fromkeys(params.schemes)),
        teachers=tuple(dict.fromkeys(params.teachers)),
        seeds=params.seeds,
        seed=params.seed,
        train=TrainConfig(params.steps, params.step_size, params.batch_per_unit),
        heuristic_size=params.heuristic_size,
        tol=params.tol,
    )


def work_of(params: MeanfieldParams) -> float:
    """Multiply-adds, roughly: ``steps * batch_per_unit * N^2 * |G|`` summed over trainings."""
    order = int(params.group[1:])
    per_run = params.steps * params.batch_per_unit * order
    trainings = (len(set(params.schemes)) + 1) * len(set(params.teachers)) * params.seeds
    sizes = trainings * sum(n * n for n in params.sizes) + (order + 2) * params.heuristic_size**2
    return float(per_run * sizes)


class MeanfieldTask:
    """Sizes, schemes and teachers in; the curves (``curves.json``) and a plot (``curves.png``)."""

    name: ClassVar[str] = "aux_meanfield"
    params_model: ClassVar[type[BaseModel]] = MeanfieldParams
    files: ClassVar[dict[str, str]] = {"json": "curves.json", "png": "curves.png"}

    def check(self, params: MeanfieldParams, registry: ModelRegistry) -> int:  # noqa: ARG002 (no checkpoint)
        """The run must stay bounded; the progress total is the number of trainings."""
        if (work := work_of(params)) > MAX_WORK:
            msg = (
                f"this run needs about {work:.2g} operations, over the limit {MAX_WORK:.2g}; "
                "use smaller sizes, fewer steps, seeds, schemes or teachers"
            )
            raise InvalidTaskInput([{"loc": ["params", "sizes"], "msg": msg}])
        from service.aux.meanfield import count_trainings

        return count_trainings(_config(params))

    def batch_key(self, params: MeanfieldParams) -> str:
        """Runs are independent; one key lets a worker take several at once."""
        return f"{self.name}/{params.group}"

    def run(self, runs: Sequence[TaskRun], registry: ModelRegistry) -> list[TaskOutput | None]:  # noqa: ARG002 (no checkpoint)
        """Write ``curves.json`` and ``curves.png`` per run, one run after the other."""
        from service.aux.meanfield import measure_curves, plot_curves

        outputs: list[TaskOutput | None] = []
        for run in runs:
            result = measure_curves(_config(run.params), run.progress, run.cancelled)
            if result is None:
                outputs.append(None)
                continue
            result = {"task": self.name, "params": run.params.model_dump(), **result}
            (run.out_dir / self.files["json"]).write_text(json.dumps(result, indent=1))
            plot_curves(result, run.out_dir / self.files["png"])
            outputs.append(TaskOutput(dict(self.files), {"task": self.name}))
        return outputs
