"""What a task is to the service: a parameter schema, a size, and a run that writes files.

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

__all__ = ["InvalidTaskInput", "Task", "TaskOutput", "TaskRun"]


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
    answer, for a task whose ``in_memory`` is True.

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

    def batch_key(self, params: BaseModel) -> str:
        """Requests with equal keys can run in one batch (same model and sampler setting)."""
        ...

    def run(self, runs: Sequence[TaskRun], registry: ModelRegistry) -> list[TaskOutput | None]:
        """Generate each run's files into its ``out_dir``; None for a run that was cancelled.

        Every run must have the same :meth:`batch_key`.
        """
        ...
