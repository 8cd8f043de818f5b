"""Mean-field symmetries of shallow networks: DA / FA / EA / free curves as N grows (library)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from models.aux.meanfield import SCHEMES, TEACHERS, TrainConfig

__all__ = [
    "CurveConfig",
    "count_trainings",
    "measure_curves",
    "plot_curves",
]

STYLES = ["-o", "--s", ":^", "-.v"]
PAPER = "Maass & Fontbona, Symmetries in Overparametrized Neural Networks: A Mean Field View"


@dataclass(frozen=True)
class CurveConfig:
    """What to measure: sizes ``N``, schemes, teachers, seeds per point, and the training."""

    group: str = "c2"
    sizes: tuple[int, ...] = (10, 30, 100)
    schemes: tuple[str, ...] = SCHEMES
    teachers: tuple[str, ...] = TEACHERS
    seeds: int = 1
    seed: int = 0
    train: TrainConfig = field(default_factory=lambda: TrainConfig(steps=40, batch_per_unit=2))
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
