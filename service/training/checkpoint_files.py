"""Checkpoint files: ``NAME.pt`` (weights, EMA, optimiser, configs, history) and ``NAME.json``.

Both are written through a temporary file and renamed, so a crash never leaves half a file.
Kept apart from the loaders in :mod:`service.checkpoints` so that training imports no
chemistry it does not need (a GPU machine then needs torch, gemmi and pydssp alone).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

__all__ = ["save_atomically", "update_model_card"]


def save_atomically(state: dict, path: Path) -> None:
    """Write ``state`` to ``path`` via a temporary file, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def update_model_card(checkpoint: Path, section: str, content: dict) -> Path:
    """Set ``section`` of the model card ``NAME.json`` beside ``checkpoint``; returns its path."""
    card_path = checkpoint.with_suffix(".json")
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    card.setdefault("checkpoint", checkpoint.name)
    card[section] = content
    tmp = card_path.with_name(card_path.name + ".tmp")
    tmp.write_text(json.dumps(card, indent=1) + "\n")
    os.replace(tmp, card_path)
    return card_path
