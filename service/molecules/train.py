"""``qsdiff train molecules``: train (or resume) a de novo molecule checkpoint on QM9.

Every ``--val-every`` steps it logs the EMA network's validation loss and EDM's stability and
validity of ``--val-samples`` sampled molecules, then saves the checkpoint
(see :func:`service.training.loop.train_until`).
"""

from __future__ import annotations

import argparse

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

__all__ = ["run"]

VALIDATION_SAMPLING = SamplingConfig("ode", 50)
VALIDATION_BATCH_SIZE = 64
"""Validation molecules per batch (4 batches): fixed, so that ``val_loss`` stays comparable when a
resumed run changes ``--batch-size``."""


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Train until ``args.steps``; resume when the checkpoint exists."""
    torch.manual_seed(args.seed)
    path = args.checkpoint or settings.checkpoint_dir / f"molecule-{args.treatment}.pt"
    state = load_resumable(path, args.device, args.treatment)
    if state is not None:
        net_config = MoleculeNetConfig(**state["net_config"])
    else:
        net_config = MoleculeNetConfig(len(ELEMENTS), hidden=args.hidden, layers=args.layers)
    train_config = resumed_or_new_config(args, state)
    trainer = Trainer(
        MoleculeNet(net_config).to(args.device), train_config, Interpolant(), data=molecule_data
    )
    trainer.ema.to(args.device)
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
    generator = torch.Generator().manual_seed(args.seed + trainer.steps)

    def batches():
        while True:
            yield train_batches.random(train_config.batch_size, generator).to(args.device)

    def validate() -> dict:
        sizes = draw_sizes(histogram, args.val_samples, seed=0)
        samples = sample_molecules(
            trainer.ema, sizes, len(ELEMENTS), train_config.treatment, VALIDATION_SAMPLING, seed=0
        )
        metrics = evaluate((t.numpy(), x.double().numpy()) for t, x in samples)
        return {
            "val_loss": trainer.validation_loss([b.to(args.device) for b in val_batches]),
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
                "device": args.device,
                "validation": {
                    "split": "valid",
                    "samples": args.val_samples,
                    "metrics": "EMA loss on 4 valid batches; EDM stability and validity of "
                    f"{args.val_samples} molecules sampled with a 50-step ODE",
                    "history": history,
                },
                "command": f"qsdiff train molecules --treatment {train_config.treatment} "
                f"--steps {args.steps}",
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
        steps=args.steps,
        val_every=args.val_every,
        validate=validate,
        save=save,
        history=history,
        log_path=path.with_name(path.stem + ".log.jsonl"),
        desc=f"train molecules {args.treatment}",
    )
    return 0
