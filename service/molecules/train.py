"""``qsdiff train molecules``: train (or resume) a de novo molecule checkpoint on QM9.

Every ``--val-every`` steps it logs the EMA network's validation loss and EDM's stability and
validity of ``--val-samples`` sampled molecules, then saves the checkpoint
(see :func:`service.training.loop.train_until`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import torch

from chem.edm_metrics import ELEMENTS, evaluate
from chem.qm9_atoms import load_qm9_atoms
from models.interpolant import Interpolant
from models.networks.molecule_net import MoleculeNet, MoleculeNetConfig
from models.samplers import SamplingConfig
from models.tasks.molecule import draw_sizes, sample_molecules
from models.training import Trainer
from service.config import Settings
from service.molecules.data import MoleculeBatches, molecule_data
from service.training.checkpoint_files import save_atomically, update_model_card
from service.training.loop import load_resumable, resumed_or_new_config, train_until
from service.training.options import OptimiserDefaults, TrainingRun

__all__ = ["MoleculeTrainingRun", "train_molecules"]

VALIDATION_SAMPLING = SamplingConfig("ode", 50)
VALIDATION_BATCH_SIZE = 64
"""Validation molecules per batch (4 batches): fixed, so that ``val_loss`` stays comparable when a
resumed run changes ``--batch-size``."""


@dataclass(frozen=True, kw_only=True)
class MoleculeTrainingRun(TrainingRun):
    """``qsdiff train molecules``: the shared options and how many molecules validation samples."""

    NEW_MODEL: ClassVar[OptimiserDefaults] = OptimiserDefaults(lr=5e-4, batch_size=64)

    hidden: int = 64
    layers: int = 6
    val_every: int = 500
    val_samples: int = 64


def train_molecules(run: MoleculeTrainingRun, settings: Settings) -> Path:
    """Train until ``run.steps`` (resuming when the checkpoint exists); returns the checkpoint."""
    torch.manual_seed(run.seed)
    path = run.checkpoint or settings.checkpoint_dir / f"molecule-{run.treatment}.pt"
    state = load_resumable(path, run.device, run.treatment)
    if state is not None:
        net_config = MoleculeNetConfig(**state["net_config"])
    else:
        net_config = MoleculeNetConfig(len(ELEMENTS), hidden=run.hidden, layers=run.layers)
    train_config = resumed_or_new_config(run, state)
    trainer = Trainer(
        MoleculeNet(net_config).to(run.device), train_config, Interpolant(), data=molecule_data
    )
    trainer.ema.to(run.device)
    history: list[dict] = []
    if state is not None:
        trainer.load_state_dict(state)
        history = state.get("history", [])

    train = load_qm9_atoms(settings.qm9_npz, "train")
    histogram = train.size_histogram()
    train_batches = MoleculeBatches(train)
    valid_batches = MoleculeBatches(load_qm9_atoms(settings.qm9_npz, "valid"))
    fixed = torch.Generator().manual_seed(1)
    val_batches = [valid_batches.random(VALIDATION_BATCH_SIZE, fixed) for _ in range(4)]
    generator = torch.Generator().manual_seed(run.seed + trainer.steps)

    def batches():
        while True:
            yield train_batches.random(train_config.batch_size, generator).to(run.device)

    def validate() -> dict:
        sizes = draw_sizes(histogram, run.val_samples, seed=0)
        samples = sample_molecules(
            trainer.ema, sizes, len(ELEMENTS), train_config.treatment, VALIDATION_SAMPLING, seed=0
        )
        metrics = evaluate((t.numpy(), x.double().numpy()) for t, x in samples)
        return {
            "val_loss": trainer.validation_loss([b.to(run.device) for b in val_batches]),
            "atom_stability": metrics.atom_stability,
            "molecule_stability": metrics.molecule_stability,
            "validity": metrics.validity,
        }

    def save() -> None:
        update_model_card(
            path,
            "training",
            {
                "task": "molecule",
                "treatment": train_config.treatment,
                "steps": trainer.steps,
                "batch_size": train_config.batch_size,
                "lr": train_config.lr,
                "network": net_config.to_dict(),
                "data": {"file": settings.qm9_npz.name, "split": "train", "molecules": len(train)},
                "device": run.device,
                "validation": {
                    "split": "valid",
                    "samples": run.val_samples,
                    "metrics": "EMA loss on 4 valid batches; EDM stability and validity of "
                    f"{run.val_samples} molecules sampled with a 50-step ODE",
                    "history": history,
                },
                "command": f"qsdiff train molecules --treatment {train_config.treatment} "
                f"--steps {run.steps}",
            },
        )
        save_atomically(
            {
                **trainer.state_dict(),
                "task": "molecule",
                "net_config": net_config.to_dict(),
                "elements": list(ELEMENTS),
                "size_histogram": histogram.tolist(),
                "history": history,
            },
            path,
        )

    train_until(
        trainer,
        batches(),
        steps=run.steps,
        val_every=run.val_every,
        validate=validate,
        save=save,
        history=history,
        log_path=path.with_name(path.stem + ".log.jsonl"),
        desc=f"train molecules {run.treatment}",
    )
    return path
