"""Training the autoencoder on fresh random triples each step."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from models.aux.latent.data import make_triples, random_angles
from models.aux.latent.model import LatentActionAE, LatentConfig

__all__ = ["LatentTrainConfig", "train_model"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LatentTrainConfig:
    """Adam with a cosine schedule on fresh random triples each step."""

    steps: int = 2000
    batch_size: int = 128
    lr: float = 2e-3
    seed: int = 0


def train_model(digits: Tensor, config: LatentConfig, train: LatentTrainConfig) -> LatentActionAE:
    """Fit on fresh triples of ``digits: [M, H, W]`` each step (random digit, start, ``g``)."""
    torch.manual_seed(train.seed)
    gen = torch.Generator().manual_seed(train.seed)
    model = LatentActionAE(config)
    optim = torch.optim.Adam(model.parameters(), lr=train.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(optim, train.steps)
    for step in range(train.steps):
        idx = torch.randint(len(digits), (train.batch_size,), generator=gen)
        batch = make_triples(
            digits[idx],
            random_angles(train.batch_size, gen),
            random_angles(train.batch_size, gen),
            config.occluded,
        )
        loss = F.mse_loss(model(batch.x, batch.theta), batch.gx)
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()
        sched.step()
        if step % 500 == 0 or step == train.steps - 1:
            log.info("latent-action step %d/%d: mse %.5f", step + 1, train.steps, loss.item())
    return model.eval()
