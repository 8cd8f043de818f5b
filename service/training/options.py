"""What every ``qsdiff train`` task takes, as one typed value, and the error a bad option raises.

Each task's run (``ConformerTrainingRun``, ``MoleculeTrainingRun``, ``BackboneTrainingRun``)
extends :class:`TrainingRun` with its own data options and network-size defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from models.objectives import Treatment
from service.errors import InvalidInput

__all__ = ["InvalidTrainingOption", "OptimiserDefaults", "TrainingRun"]


class InvalidTrainingOption(InvalidInput):
    """A training option that cannot be run; the message names it as ``qsdiff train`` spells it."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(
            [{"loc": [option], "msg": message}], f"--{option.replace('_', '-')}: {message}"
        )


@dataclass(frozen=True)
class OptimiserDefaults:
    """A task's optimiser settings for a new model (a resumed one keeps its own)."""

    lr: float
    batch_size: int
    weight_floor: float = 0.1
    auxiliary_weight: float = 0.0


@dataclass(frozen=True, kw_only=True)
class TrainingRun:
    """Options every training task shares; a task's subclass sets the defaults it lacks.

    ``lr``, ``batch_size``, ``weight_floor`` and ``auxiliary_weight`` left None are a resumed
    checkpoint's own, or the task's ``NEW_MODEL`` values for a new one; given, they replace the
    saved ones (to continue at a lower rate, or on a GPU with larger batches). Only tasks with an
    auxiliary loss (backbones) take an ``auxiliary_weight``. ``checkpoint`` None: the task's
    default file in ``Settings.checkpoint_dir``.
    """

    NEW_MODEL: ClassVar[OptimiserDefaults]

    treatment: Treatment
    checkpoint: Path | None = None
    steps: int = 10_000
    lr: float | None = None
    batch_size: int | None = None
    weight_floor: float | None = None
    auxiliary_weight: float | None = None
    hidden: int
    layers: int
    val_every: int
    device: str = "cpu"
    seed: int = 0
