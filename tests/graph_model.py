"""A tiny de novo graph model, trained in seconds on a few QM9 SMILES, for the tests.

It is saved as ``molecule-graph.pt`` the way ``qsdiff train molecules`` saves, beside copies of
the shipped QM9 conformer checkpoints, so a test gets a checkpoint folder that serves molecules.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import torch

from chem.smiles_tokens import Vocabulary, canonical_heavy_smiles
from models.networks.smiles_lm import SmilesLM, SmilesLMConfig
from models.smiles_training import SmilesTrainConfig, SmilesTrainer
from service.molecules.data import SmilesCorpus, TokenBatches
from service.molecules.train import checkpoint_state
from service.training.checkpoint_files import save_atomically

__all__ = ["SMILES", "graph_model_folder", "train_tiny_graph_model"]

SMILES = ["CCO", "CC(=O)O", "CC#N", "C1CC1", "OCC(O)CO", "CC(C)N", "c1ccoc1", "C[NH3+]", "NC=O"]
SHIPPED = Path(__file__).resolve().parents[1] / "checkpoints"


def train_tiny_graph_model(steps: int = 150) -> tuple[SmilesTrainer, Vocabulary, list[int]]:
    """A one-layer model that has all but learnt :data:`SMILES` by heart."""
    torch.manual_seed(0)
    pairs = [canonical_heavy_smiles(s) for s in SMILES]
    corpus = SmilesCorpus([p[0] for p in pairs], np.array([p[1] for p in pairs]))
    vocabulary = Vocabulary.of(corpus.smiles)
    batches = TokenBatches(corpus, vocabulary)
    config = SmilesLMConfig(
        vocabulary.size, int(corpus.sizes.max()), max_tokens=24, hidden=64, layers=1
    )
    trainer = SmilesTrainer(SmilesLM(config), SmilesTrainConfig(lr=1e-2, batch_size=32))
    generator = torch.Generator().manual_seed(0)
    for _ in range(steps):
        trainer.step(batches.random(32, generator))
    return trainer, vocabulary, corpus.size_histogram().tolist()


def graph_model_folder(folder: Path) -> Path:
    """``folder`` with the tiny graph model and the shipped QM9 conformer pair."""
    folder.mkdir(parents=True, exist_ok=True)
    trainer, vocabulary, histogram = train_tiny_graph_model()
    save_atomically(
        checkpoint_state(trainer, vocabulary, histogram, []), folder / "molecule-graph.pt"
    )
    for path in SHIPPED.glob("conformer-*.*"):
        if not path.name.startswith("conformer-druglike"):
            shutil.copy(path, folder / path.name)
    return folder
