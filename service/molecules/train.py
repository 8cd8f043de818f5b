"""``qsdiff train molecules``: train (or resume) the de novo graph model on QM9's SMILES.

Every ``--val-every`` steps it logs the validation loss and, on ``--val-samples`` molecules
drawn with sizes from the training histogram, validity, uniqueness, novelty, graph stability and
how often the size asked for was kept; then it saves the checkpoint. The coordinates come from
the QM9 conformer checkpoints, trained apart (``qsdiff train conformers``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import torch

from chem.graph_checks import graph_protocol
from chem.smiles_tokens import Vocabulary
from models.networks.smiles_lm import SmilesLM, SmilesLMConfig
from models.smiles_training import SmilesTrainConfig, SmilesTrainer
from service.config import Settings
from service.molecules.data import TokenBatches, qm9_corpus
from service.molecules.graphs import GraphDraw, draw_graphs, draw_sizes
from service.training.checkpoint_files import save_atomically, update_model_card
from service.training.loop import train_until
from service.training.options import OptimiserDefaults

__all__ = ["MoleculeTrainingRun", "checkpoint_state", "train_molecules"]

CHECKPOINT = "molecule-graph.pt"
VALIDATION_BATCHES = 8
MAX_TOKENS_FACTOR = 2
"""Sampling stops at twice the longest training SMILES."""


@dataclass(frozen=True, kw_only=True)
class MoleculeTrainingRun:
    """``qsdiff train molecules``: schedule, optimiser and network size of the graph model.

    ``lr`` and ``batch_size`` left None are a resumed checkpoint's own, or ``NEW_MODEL``'s.
    """

    NEW_MODEL: ClassVar[OptimiserDefaults] = OptimiserDefaults(lr=2e-3, batch_size=128)

    checkpoint: Path | None = None
    steps: int = 20_000
    lr: float | None = None
    batch_size: int | None = None
    hidden: int = 384
    layers: int = 3
    val_every: int = 1000
    val_samples: int = 500
    device: str = "cpu"
    seed: int = 0


def _train_config(run: MoleculeTrainingRun, state: dict | None) -> SmilesTrainConfig:
    """A new model's defaults, else the saved settings; ``run``'s given ones replace either."""
    if state is None:
        config = SmilesTrainConfig(lr=run.NEW_MODEL.lr, batch_size=run.NEW_MODEL.batch_size)
    else:
        config = SmilesTrainConfig(**state["train_config"])
    given = {"lr": run.lr, "batch_size": run.batch_size}
    return replace(config, **{k: v for k, v in given.items() if v is not None})


def graph_metrics(draws: list[GraphDraw], known: set[str]) -> dict:
    """The generated-graph protocol's table of ``draws``, and how often the size was kept."""
    return {
        **graph_protocol([d.mol for d in draws], known).table(),
        "size_kept": round(sum(d.size_kept for d in draws) / max(len(draws), 1), 4),
    }


def checkpoint_state(
    trainer: SmilesTrainer, vocabulary: Vocabulary, histogram: list[int], history: list[dict]
) -> dict:
    """What ``molecule-graph.pt`` holds (:func:`service.checkpoints.load_graph_model` reads it)."""
    return {
        **trainer.state_dict(),
        "task": "molecule",
        "net_config": trainer.net.config.to_dict(),
        "vocabulary": list(vocabulary.tokens),
        "size_histogram": histogram,
        "history": history,
    }


def train_molecules(run: MoleculeTrainingRun, settings: Settings) -> Path:
    """Train until ``run.steps`` (resuming when the checkpoint exists); returns the checkpoint."""
    torch.manual_seed(run.seed)
    path = run.checkpoint or settings.checkpoint_dir / CHECKPOINT
    state = torch.load(path, map_location=run.device, weights_only=True) if path.is_file() else None
    train = qm9_corpus(settings.qm9_npz, "train", settings.cache_dir)
    valid = qm9_corpus(settings.qm9_npz, "valid", settings.cache_dir)
    vocabulary = Vocabulary(tuple(state["vocabulary"])) if state else Vocabulary.of(train.smiles)
    train_batches = TokenBatches(train, vocabulary)
    valid_batches = TokenBatches(valid.within(vocabulary), vocabulary)
    if state is not None:
        net_config = SmilesLMConfig(**state["net_config"])
    else:
        net_config = SmilesLMConfig(
            vocab_size=vocabulary.size,
            max_heavy_atoms=len(train.size_histogram()) - 1,
            max_tokens=MAX_TOKENS_FACTOR * train_batches.rows.shape[1],
            hidden=run.hidden,
            layers=run.layers,
        )
    trainer = SmilesTrainer(SmilesLM(net_config).to(run.device), _train_config(run, state))
    history: list[dict] = []
    if state is not None:
        trainer.load_state_dict(state)
        history = state.get("history", [])
    histogram = train.size_histogram()
    known = set(train.smiles)
    fixed = torch.Generator().manual_seed(1)
    val_batches = [valid_batches.random(256, fixed) for _ in range(VALIDATION_BATCHES)]
    generator = torch.Generator().manual_seed(run.seed + trainer.steps)

    def batches():
        while True:
            yield train_batches.random(trainer.config.batch_size, generator).to(run.device)

    def validate() -> dict:
        sizes = draw_sizes(histogram, run.val_samples, seed=0)
        draws = draw_graphs(trainer.net, vocabulary, sizes, 0, range(run.val_samples))
        return {
            "val_loss": trainer.validation_loss([b.to(run.device) for b in val_batches]),
            **graph_metrics(draws, known),
        }

    def save() -> None:
        update_model_card(
            path,
            "training",
            {
                "task": "molecule",
                "model": "SMILES GRU language model conditioned on the heavy-atom count; "
                "coordinates from the QM9 conformer checkpoints",
                "steps": trainer.steps,
                "batch_size": trainer.config.batch_size,
                "lr": trainer.config.lr,
                "network": net_config.to_dict(),
                "parameters": sum(p.numel() for p in trainer.net.parameters()),
                "data": {
                    "file": settings.qm9_npz.name,
                    "split": "train",
                    "molecules": len(train.smiles),
                },
                "device": run.device,
                "validation": {
                    "split": "valid",
                    "samples": run.val_samples,
                    "metrics": f"cross-entropy on {VALIDATION_BATCHES} x 256 valid molecules; "
                    f"{run.val_samples} graphs drawn (seed 0, sizes from the train histogram): "
                    "validity, uniqueness, novelty vs train, graph stability, sizes kept",
                    "history": history,
                },
                "command": f"qsdiff train molecules --steps {run.steps}",
            },
        )
        save_atomically(checkpoint_state(trainer, vocabulary, histogram.tolist(), history), path)

    train_until(
        trainer,
        batches(),
        steps=run.steps,
        val_every=run.val_every,
        validate=validate,
        save=save,
        history=history,
        log_path=path.with_name(path.stem + ".log.jsonl"),
        desc="train molecules",
    )
    return path
