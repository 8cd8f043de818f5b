"""Fitting a classifier (PDINet or the CNN) on upright images."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["PDINetTrainConfig", "train_classifier"]


@dataclass(frozen=True)
class PDINetTrainConfig:
    """AdamW with a cosine learning rate, on upright images only."""

    epochs: int = 20
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 1e-4
    seed: int = 0


def train_classifier(
    model: nn.Module, images: Tensor, labels: Tensor, config: PDINetTrainConfig
) -> list[float]:
    """Fit ``model`` on ``images: [N, C, H, W]``, ``labels: [N]``; the mean loss per epoch."""
    generator = torch.Generator().manual_seed(config.seed)
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    steps = config.epochs * math.ceil(len(labels) / config.batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps)
    losses = []
    model.train()
    for _ in range(config.epochs):
        order = torch.randperm(len(labels), generator=generator)
        total = 0.0
        for batch in order.split(config.batch_size):
            loss = F.cross_entropy(model(images[batch]), labels[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(batch)
        losses.append(total / len(labels))
    model.eval()
    return losses
