"""Mean-field symmetries of shallow networks: DA / FA / EA / free curves as N grows (library).

The curves run as jobs: :class:`MeanfieldTask` is the ``aux_meanfield`` task (JSON and PNG out),
:class:`MeanfieldParams` its bounded parameters.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from models.aux.meanfield import SCHEMES, TEACHERS, MeanfieldTrainConfig
from service.limits import MAX_SEED
from service.registry import ModelRegistry
from service.task import InvalidTaskInput, TaskOutput, TaskRun

__all__ = [
    "MAX_SIZE",
    "MAX_WORK",
    "CurveConfig",
    "MeanfieldParams",
    "MeanfieldTask",
    "count_trainings",
    "measure_curves",
    "plot_curves",
    "work_of",
]

STYLES = ["-o", "--s", ":^", "-.v"]
PAPER = "Maass & Fontbona, Symmetries in Overparametrized Neural Networks: A Mean Field View"
MAX_SIZE = 300
MAX_WORK = 1.0e9
"""Bound on ``sum over trainings of steps * batch * N * |G|`` (about a minute on one thread)."""


@dataclass(frozen=True)
class CurveConfig:
    """What to measure: sizes ``N``, schemes, teachers, seeds per point, and the training."""

    group: str = "c2"
    sizes: tuple[int, ...] = (10, 30, 100)
    schemes: tuple[str, ...] = SCHEMES
    teachers: tuple[str, ...] = TEACHERS
    seeds: int = 1
    seed: int = 0
    train: MeanfieldTrainConfig = field(
        default_factory=lambda: MeanfieldTrainConfig(steps=40, batch_per_unit=2)
    )
    heuristic_size: int = 100
    tol: float = 0.1


def _trained_schemes(config: CurveConfig) -> list[str]:
    """Schemes trained from the WI start (``ea`` from its projection), plus free from SI."""
    return list(config.schemes) + (["free-si"] if "free" in config.schemes else [])


def count_trainings(config: CurveConfig) -> int:
    """Training runs of :func:`measure_curves`, the heuristic's at most ``D`` included."""
    per_point = len(_trained_schemes(config)) * len(config.teachers) * config.seeds
    return per_point * len(config.sizes) + int(config.group[1:]) + 2


def _mean(values: list[float]) -> float:
    return float(sum(values) / len(values))


def _measure_point(
    config: CurveConfig, teacher_kind: str, n: int, seed: int, tick: Callable[[], bool]
) -> dict[str, Any] | None:
    """One ``(teacher, N, seed)``: distances, escape from ``E^G`` and risks; None if stopped."""
    import numpy as np

    from models.aux import meanfield as mf

    group = mf.make_group(config.group)
    teacher = mf.make_teacher(teacher_kind, group)
    start = mf.init_particles(n, group, "wi", np.random.default_rng([seed, n, 0]))
    trained = {}
    for scheme in config.schemes:
        trained[scheme] = mf.train(start, scheme, teacher, group, config.train, seed)
        if not tick():
            return None
    x_test = np.random.default_rng([seed, 1]).standard_normal((4096, group.dim))
    point: dict[str, Any] = {
        "risk": {s: mf.risk(t, s, teacher, group, x_test) for s, t in trained.items()},
        "distance": {
            f"{p}-{q}": mf.relative_distance(trained[p], trained[q])
            for p, q in itertools.combinations([s for s in trained if s != "ea"], 2)
        },
    }
    if "free" in config.schemes:
        si_start = mf.init_particles(n, group, "si", np.random.default_rng([seed, n, 1]))
        free = mf.train(si_start, "free", teacher, group, config.train, seed)
        point["escape_free_from_EG"] = mf.subspace_escape(free, group.fixed_projector())
        if not tick():
            return None
    return point


def _average(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean over seeds of nested dicts of floats."""
    first = points[0]
    if isinstance(first, dict):
        return {k: _average([p[k] for p in points]) for k in first}
    return _mean(points)


def _transpose(per_size: list[dict[str, Any]]) -> dict[str, Any]:
    """``[{key: value}]`` per size -> ``{key: [value per size]}``, nested."""
    first = per_size[0]
    if isinstance(first, dict):
        return {k: _transpose([p[k] for p in per_size]) for k in first}
    return list(per_size)


def measure_curves(
    config: CurveConfig,
    progress: Callable[[int], None] = lambda _: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> dict[str, Any] | None:
    """All curves as a JSON-ready dict; ``progress(1)`` after each training, None if cancelled."""
    from models.aux import meanfield as mf

    def tick() -> bool:
        progress(1)
        return not cancelled()

    began = time.perf_counter()
    group = mf.make_group(config.group)
    curves: dict[str, Any] = {}
    for teacher in config.teachers:
        per_size = []
        for n in config.sizes:
            points = []
            for k in range(config.seeds):
                point = _measure_point(config, teacher, n, config.seed + k, tick)
                if point is None:
                    return None
                points.append(point)
            per_size.append(_average(points))
        curves[teacher] = _transpose(per_size)
    search = mf.discover_subspace(
        group,
        mf.make_teacher("si", group),
        config.heuristic_size,
        config.train,
        tol=config.tol,
        seed=config.seed,
    )
    if not tick():
        return None
    return {
        "paper": PAPER,
        "config": {**asdict(config), "sizes": list(config.sizes)},
        "param_dim": group.dim + 2,
        "fixed_dim": search.fixed_dim,
        "sizes": list(config.sizes),
        "curves": curves,
        "subspace": {
            "teacher": "si",
            "size": config.heuristic_size,
            "dims": search.dims,
            "escapes": search.escapes,
            "found_dim": int(search.basis.shape[1]),
            "fixed_dim": search.fixed_dim,
            "mismatch": search.mismatch,
            "tol": config.tol,
        },
        "seconds": round(time.perf_counter() - began, 2),
    }


def plot_curves(result: dict[str, Any], path: Path) -> None:
    """Four panels: scheme distances, escape from ``E^G``, risks, and the heuristic's rounds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = result["sizes"]
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    panels = {
        (0, 0): ("distance", "relative W2 between schemes (WI start)"),
        (1, 0): ("risk", "risk (EA from its SI projection)"),
    }
    for (i, j), (key, title) in panels.items():
        ax = axes[i, j]
        for k, (teacher, curves) in enumerate(result["curves"].items()):
            for (name, ys), style in zip(curves[key].items(), STYLES, strict=False):
                ax.plot(sizes, ys, style, color=f"C{k}", label=f"{teacher}: {name}")
        ax.set(xscale="log", yscale="log", xlabel="N", title=title)
        ax.legend(fontsize=7)
    ax = axes[0, 1]
    for teacher, curves in result["curves"].items():
        if "escape_free_from_EG" in curves:
            ax.plot(sizes, curves["escape_free_from_EG"], "-o", label=teacher)
    ax.set(xscale="log", yscale="log", xlabel="N", title="free training from E^G: W2(nu, P#nu)")
    ax.legend(fontsize=8)
    ax = axes[1, 1]
    search = result["subspace"]
    ax.bar([str(d) for d in search["dims"]], search["escapes"], color="C3")
    ax.axhline(search["tol"], color="k", linestyle="--", label=f"tol {search['tol']}")
    ax.set(
        yscale="log",
        xlabel="dim E_j per round",
        title=f"subspace heuristic: found dim {search['found_dim']}, dim E^G {search['fixed_dim']}",
    )
    ax.legend(fontsize=8)
    fig.suptitle(f"mean-field symmetries, group {result['config']['group']}")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


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


def _curve_config(params: MeanfieldParams) -> CurveConfig:
    return CurveConfig(
        group=params.group,
        sizes=tuple(params.sizes),
        schemes=tuple(dict.fromkeys(params.schemes)),
        teachers=tuple(dict.fromkeys(params.teachers)),
        seeds=params.seeds,
        seed=params.seed,
        train=MeanfieldTrainConfig(params.steps, params.step_size, params.batch_per_unit),
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
        return count_trainings(_curve_config(params))

    def cost(self, params: MeanfieldParams, registry: ModelRegistry) -> int:  # noqa: ARG002 (protocol)
        """Work units: the run's multiply-adds (:func:`work_of`) / 1,000."""
        return max(int(work_of(params)) // 1000, 1)

    def batch_key(self, params: MeanfieldParams) -> str:
        """Runs are independent; one key lets a worker take several at once."""
        return f"{self.name}/{params.group}"

    def run(self, runs: Sequence[TaskRun], registry: ModelRegistry) -> list[TaskOutput | None]:  # noqa: ARG002 (no checkpoint)
        """Write ``curves.json`` and ``curves.png`` per run, one run after the other."""
        outputs: list[TaskOutput | None] = []
        for run in runs:
            result = measure_curves(_curve_config(run.params), run.progress, run.cancelled)
            if result is None:
                outputs.append(None)
                continue
            result = {"task": self.name, "params": run.params.model_dump(), **result}
            (run.out_dir / self.files["json"]).write_text(json.dumps(result, indent=1))
            plot_curves(result, run.out_dir / self.files["png"])
            outputs.append(TaskOutput(dict(self.files), {"task": self.name}))
        return outputs
