"""The model registry: which checkpoints ship, what their cards say, loaded lazily once."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.checkpoints import LOADERS, LoadedModel
from service.errors import InvalidInput

__all__ = ["ModelInfo", "ModelNotAvailable", "ModelRegistry"]


class ModelNotAvailable(InvalidInput, LookupError):
    """No checkpoint is shipped for that task and treatment (the request's ``treatment``)."""

    def __init__(self, message: str) -> None:
        super().__init__([{"loc": ["treatment"], "msg": message}], message)


@dataclass(frozen=True)
class ModelInfo:
    """One shipped checkpoint and its model card."""

    task: str
    treatment: str
    checkpoint: Path
    card: dict[str, Any]


class ModelRegistry:
    """Checkpoints named ``TASK-TREATMENT.pt`` in ``checkpoint_dir``; each loaded on first use."""

    def __init__(self, checkpoint_dir: Path, device: str = "cpu") -> None:
        self.checkpoint_dir = checkpoint_dir
        self.device = device
        self._loaded: dict[tuple[str, str], LoadedModel] = {}
        self._lock = threading.Lock()

    def available(self) -> list[ModelInfo]:
        """Every shipped checkpoint, with its card (empty when it has none)."""
        infos = []
        for path in sorted(self.checkpoint_dir.glob("*-*.pt")):
            task, _, treatment = path.stem.rpartition("-")
            card_path = path.with_suffix(".json")
            card = json.loads(card_path.read_text()) if card_path.is_file() else {}
            infos.append(ModelInfo(task, treatment, path, card))
        return infos

    def treatments(self, task: str) -> list[str]:
        """Treatments shipped for ``task``."""
        return [info.treatment for info in self.available() if info.task == task]

    def get(self, task: str, treatment: str) -> LoadedModel:
        """The loaded model (loaded now if it is the first request for it)."""
        key = (task, treatment)
        with self._lock:
            if key not in self._loaded:
                path = self.checkpoint_dir / f"{task}-{treatment}.pt"
                if not path.is_file():
                    shipped = self.treatments(task)
                    raise ModelNotAvailable(
                        f"no {task} checkpoint for treatment {treatment!r}; shipped: {shipped}"
                    )
                if task not in LOADERS:
                    raise ModelNotAvailable(f"task {task!r} is not served")
                self._loaded[key] = LOADERS[task](path, self.device)
            return self._loaded[key]
