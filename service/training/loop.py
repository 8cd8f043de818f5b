"""The training loop every ``qsdiff train`` task shares: steps, validation, saving, stopping.

Every ``val_every`` steps the task's ``validate()`` record (plus step, loss and time) is
appended to the history and to ``log_path`` (JSON lines), and the checkpoint is saved; SIGTERM
and Ctrl-C stop the loop after the current step and save, so no training is lost.
"""

from __future__ import annotations

import json
import logging
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Protocol

import torch
from tqdm import tqdm

from models.training import TrainConfig
from service.training.options import InvalidTrainingOption, TrainingRun

__all__ = ["Steppable", "load_resumable", "resumed_or_new_config", "train_until"]

logger = logging.getLogger(__name__)


class Steppable(Protocol):
    """What the loop needs of a trainer (:class:`models.training.Trainer` and the SMILES one)."""

    steps: int

    def step(self, batch: Any) -> float:
        """One optimiser step on ``batch``; returns the loss."""
        ...

    def logged_settings(self) -> dict:
        """The settings each validation record carries."""
        ...


def load_resumable(path: Path, device: str, treatment: str) -> dict | None:
    """The saved state at ``path`` to resume from, or None when there is none yet.

    Raises :class:`InvalidTrainingOption` when the checkpoint was trained with another treatment.
    """
    if not path.is_file():
        return None
    state = torch.load(path, map_location=device, weights_only=True)
    saved = state["train_config"]["treatment"]
    if saved != treatment:
        raise InvalidTrainingOption(
            "treatment", f"{path} was trained with {saved}, not {treatment}"
        )
    logger.info("resuming %s at step %d", path, state["steps"])
    return state


def resumed_or_new_config(run: TrainingRun, state: dict | None) -> TrainConfig:
    """Optimiser settings: a new model's from the task's defaults, a resumed one's from its file.

    ``run``'s optimiser settings, when given, replace either (see :class:`TrainingRun`).
    """
    options = ("lr", "batch_size", "weight_floor", "auxiliary_weight")
    given = {key: getattr(run, key) for key in options if getattr(run, key) is not None}
    if state is None:
        return TrainConfig(run.treatment, **{**asdict(run.NEW_MODEL), **given})
    return replace(TrainConfig(**state["train_config"]), **given)


def train_until(
    trainer: Steppable,
    batches: Iterator[Any],
    *,
    steps: int,
    val_every: int,
    validate: Callable[[], dict],
    save: Callable[[], None],
    history: list[dict],
    log_path: Path,
    desc: str,
) -> None:
    """Train until ``trainer.steps == steps`` (or a stop signal), validating and saving."""
    stop = {"now": False}

    def on_signal(signum, frame) -> None:  # noqa: ARG001 (signal handler signature)
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=steps, initial=trainer.steps, desc=desc, unit="step")
    started = time.perf_counter()
    try:
        while trainer.steps < steps and not stop["now"]:
            loss = trainer.step(next(batches))
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.3f}")
            if trainer.steps % val_every == 0:
                record = {
                    "step": trainer.steps,
                    **trainer.logged_settings(),
                    "train_loss": loss,
                }
                record.update(validate())
                record["seconds"] = round(time.perf_counter() - started, 1)
                history.append(record)
                with log_path.open("a") as log:
                    log.write(json.dumps(record) + "\n")
                bar.write(json.dumps(record))
                save()
    except KeyboardInterrupt:
        logger.info("interrupted; saving")
    finally:
        bar.close()
        save()
