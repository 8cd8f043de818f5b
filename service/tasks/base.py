"""What a task is to the service: a parameter schema, a size, and a run that writes files.

Adding a task is one module in this package that defines a :class:`Task` and registers it in
``service/tasks/__init__.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel

from service.registry import ModelRegistry

__all__ = ["InvalidTaskInput", "Task", "TaskOutput"]


class InvalidTaskInput(ValueError):
    """Parameters that validate as types but cannot be run; ``errors`` name each field."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors))


@dataclass
class TaskOutput:
    """What a run produced: files by format (``sdf``, ``json``, ...) and a JSON manifest."""

    files: dict[str, str]
    manifest: dict[str, Any] = field(default_factory=dict)


class Task(Protocol):
    """One kind of generation job."""

    name: ClassVar[str]
    params_model: ClassVar[type[BaseModel]]
    formats: ClassVar[tuple[str, ...]]

    def check(self, params: BaseModel, registry: ModelRegistry) -> int:
        """Raise :class:`InvalidTaskInput` for unusable input; else the number of samples."""
        ...

    def run(
        self,
        params: BaseModel,
        registry: ModelRegistry,
        out_dir: Path,
        progress: Callable[[int], None],
        cancelled: Callable[[], bool],
    ) -> TaskOutput:
        """Generate into ``out_dir``; ``progress(n)`` after each ``n`` samples finished."""
        ...
