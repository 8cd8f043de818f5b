"""What a task is to the service: a parameter schema, a size, and a run that makes files.

Adding a task is one module in this package that defines a :class:`Task` and registers it in
``service/jobs/tasks.py``. A task runs a *batch* of requests at once (jobs a worker leased
together, or concurrent inline requests): requests with the same :meth:`Task.batch_key` share
the model's batches, which is what makes many small requests fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel

from service.errors import InvalidInput
from service.registry import ModelRegistry

__all__ = [
    "InvalidTaskInput",
    "Task",
    "TaskOutput",
    "TaskRun",
    "unshipped_treatment",
    "write_or_keep",
]


class InvalidTaskInput(InvalidInput):
    """Parameters that validate as types but cannot be run; ``errors`` name each field."""


@dataclass
class TaskOutput:
    """What a run produced: files by format (``sdf``, ``json``, ...) and a JSON manifest.

    ``texts``: the files' contents by format, for a run kept in memory (``out_dir`` None).
    """

    files: dict[str, str]
    manifest: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


def _never() -> bool:
    return False


def _ignore(_: int) -> None:
    pass


@dataclass
class TaskRun:
    """One request's share of a batch: its parameters, output folder and callbacks.

    ``out_dir`` None keeps the run's files in memory (:attr:`TaskOutput.texts`): an inline
    answer. The tasks with an inline route (conformers, molecules, backbones) take it; the aux
    tasks run only as jobs.

    ``progress(n)`` is called after each ``n`` of its samples finished; ``cancelled()`` is
    asked between sampler steps, and a run it answers True for is dropped from the batch.
    """

    params: Any
    out_dir: Path | None
    progress: Callable[[int], None] = _ignore
    cancelled: Callable[[], bool] = _never


class Task(Protocol):
    """One kind of generation job."""

    name: ClassVar[str]
    params_model: ClassVar[type[BaseModel]]
    files: ClassVar[dict[str, str]]
    """Result file of each format a run may write (``sdf``, ``json``, ...)."""

    def check(self, params: BaseModel, registry: ModelRegistry) -> int:
        """Raise :class:`InvalidTaskInput` for unusable input; else the number of samples."""
        ...

    def cost(self, params: BaseModel, registry: ModelRegistry) -> int:
        """Work units of checked ``params``, what the per-job and per-key limits count.

        Atoms or residues x samples x sampler steps; an auxiliary fit: its work measure / 1,000.
        """
        ...

    def batch_key(self, params: BaseModel) -> str:
        """Requests with equal keys can run in one batch (same model and sampler setting)."""
        ...

    def run(self, runs: Sequence[TaskRun], registry: ModelRegistry) -> list[TaskOutput | None]:
        """Generate each run's files; None for a run that was cancelled.

        The files go into the run's ``out_dir``, or stay in memory where it is None
        (:class:`TaskRun`). A cancelled run's folder holds the samples it finished (kept when
        the wall-clock limit stopped it). Every run must have the same :meth:`batch_key`.
        """
        ...


def unshipped_treatment(
    registry: ModelRegistry, task: str, treatment: str, model: str
) -> dict[str, Any] | None:
    """The field error of a ``treatment`` without a ``task`` checkpoint (``model`` names it)."""
    shipped = registry.treatments(task)
    if treatment in shipped:
        return None
    return {
        "loc": ["treatment"],
        "msg": f"no {model} checkpoint for {treatment!r}; shipped: {shipped}",
    }


def write_or_keep(
    out_dir: Path | None, names: dict[str, str], texts: dict[str, str], manifest: dict[str, Any]
) -> TaskOutput:
    """A run's output from its files' contents by format (``names``: each format's file name).

    Each text is written into ``out_dir`` (a job), or kept in :attr:`TaskOutput.texts` when
    ``out_dir`` is None (an inline answer).
    """
    files = {fmt: names[fmt] for fmt in texts}
    if out_dir is None:
        return TaskOutput(files, manifest, texts)
    out_dir.mkdir(parents=True, exist_ok=True)
    for fmt, text in texts.items():
        (out_dir / files[fmt]).write_text(text)
    return TaskOutput(files, manifest)
