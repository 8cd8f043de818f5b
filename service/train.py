"""``qsdiff train conformers``: train (or resume) a conformer checkpoint on QM9.

Every ``--val-every`` steps it logs the EMA network's validation loss and the Kabsch RMSD of
one sampled conformer per validation molecule (all atoms) to ``CHECKPOINT.log.jsonl`` and
saves the checkpoint (see :func:`service.train_loop.train_until`).
"""

from __future__ import annotations

import argparse
import itertools

import torch
from torch_geometric.loader import DataLoader

from chem.featurize import ATOM_CARDINALITIES, PAIR_CARDINALITIES
from chem.qm9 import load_conformer_set
from models import geometry
from models.interpolant import Interpolant
from models.networks.conformer_net import ConformerNet, ConformerNetConfig
from models.tasks.conformer import SamplingConfig, sample_conformers
from models.training import Trainer
from service.checkpoint_files import save_atomically, update_model_card
from service.checkpoints import conformer_net_config
from service.cli_options import add_training_options, int_in
from service.config import Settings
from service.train_loop import load_resumable, resumed_or_new_config, train_until

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qsdiff train conformers``."""
    add_training_options(
        parser, "conformer", batch_size=64, lr=1e-3, hidden=64, layers=5, val_every=1000
    )
    parser.add_argument("--val-molecules", type=int_in(1), default=256)
    parser.add_argument(
        "--limit-train", type=int_in(1), help="use only the first N training molecules"
    )


@torch.no_grad()
def sampled_rmsd(trainer: Trainer, batches, device: str, seed: int = 0) -> float:
    """Mean all-atom Kabsch RMSD (Å) of one 20-step ODE sample per molecule."""
    total, count = 0.0, 0
    for cpu_batch in batches:
        batch = cpu_batch.to(device)
        x = sample_conformers(
            trainer.ema, batch, trainer.config.treatment, SamplingConfig(), seed=seed
        )
        ref = geometry.center(batch.pos, batch.batch, batch.num_graphs)
        aligned = geometry.kabsch_align(x, ref, batch.batch, batch.num_graphs)
        sq = geometry.scatter_sum(((aligned - ref) ** 2).sum(-1), batch.batch, batch.num_graphs)
        counts = torch.bincount(batch.batch, minlength=batch.num_graphs)
        total += float((sq / counts).sqrt().sum())
        count += batch.num_graphs
    return total / max(count, 1)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Train until ``args.steps``; resume when the checkpoint exists."""
    torch.manual_seed(args.seed)
    path = args.checkpoint or settings.checkpoint_dir / f"conformer-{args.treatment}.pt"
    state = load_resumable(path, args.device, args.treatment)
    if state is not None:
        net_config = conformer_net_config(state["net_config"])
    else:
        net_config = ConformerNetConfig(
            ATOM_CARDINALITIES, PAIR_CARDINALITIES, hidden=args.hidden, layers=args.layers
        )
    train_config = resumed_or_new_config(args, state)
    trainer = Trainer(ConformerNet(net_config).to(args.device), train_config, Interpolant())
    trainer.ema.to(args.device)
    history: list[dict] = []
    if state is not None:
        trainer.load_state_dict(state)
        history = state.get("history", [])

    train_set = load_conformer_set(settings.qm9_npz, "train", settings.cache_dir, args.limit_train)
    valid_set = load_conformer_set(settings.qm9_npz, "valid", settings.cache_dir)
    val_batches = list(DataLoader([valid_set[i] for i in range(args.val_molecules)], batch_size=64))
    loader = DataLoader(train_set, batch_size=train_config.batch_size, shuffle=True, drop_last=True)
    batches = itertools.chain.from_iterable(itertools.repeat(loader))

    def save() -> None:
        update_model_card(
            path,
            "training",
            {
                "task": "conformer",
                "treatment": train_config.treatment,
                "steps": trainer.steps,
                "batch_size": train_config.batch_size,
                "lr": train_config.lr,
                "network": net_config.to_dict(),
                "data": {
                    "file": settings.qm9_npz.name,
                    "split": "train",
                    "molecules": len(train_set),
                    "dropped": train_set.dropped,
                },
                "device": args.device,
                "validation": {
                    "split": "valid",
                    "molecules": args.val_molecules,
                    "metrics": "EMA loss; all-atom Kabsch RMSD of one 20-step ODE sample",
                    "history": history,
                },
                "command": f"qsdiff train conformers --treatment {train_config.treatment} "
                f"--steps {args.steps}",
            },
        )
        save_atomically(
            {
                **trainer.state_dict(),
                "net_config": net_config.to_dict(),
                "history": history,
                "data": {"train": len(train_set), "dropped": train_set.dropped},
            },
            path,
        )

    def validate() -> dict:
        return {
            "val_loss": trainer.validation_loss([b.to(args.device) for b in val_batches]),
            "val_rmsd": sampled_rmsd(trainer, val_batches, args.device),
        }

    train_until(
        trainer,
        (batch.to(args.device) for batch in batches),
        steps=args.steps,
        val_every=args.val_every,
        validate=validate,
        save=save,
        history=history,
        log_path=path.with_name(path.stem + ".log.jsonl"),
        desc=f"train {args.treatment}",
    )
    return 0
