"""Training M on upright data, and λ with M frozen (the zero-shot λ-equitune)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from models.aux.equizero.groups import FiniteGroup
from models.aux.equizero.model import LambdaNet, orbit_outputs, wrap

__all__ = ["EquizeroTrainConfig", "train_classifier", "train_lambda"]


@dataclass(frozen=True)
class EquizeroTrainConfig:
    """Adam with mini-batches: ``epochs`` passes over the data, seeded."""

    epochs: int = 30
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 1e-4
    seed: int = 0


def _fit(
    params: list[nn.Parameter],
    loss_of: Callable[[Tensor], Tensor],
    n: int,
    config: EquizeroTrainConfig,
) -> float:
    """Minimise ``loss_of(rows)`` over shuffled mini-batches; the last epoch's mean loss."""
    gen = torch.Generator().manual_seed(config.seed)
    opt = torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    mean = float("nan")
    for _ in range(config.epochs):
        total = 0.0
        for rows in torch.randperm(n, generator=gen).split(config.batch_size):
            loss = loss_of(rows)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(rows)
        mean = total / n
    return mean


def train_classifier(model: nn.Module, x: Tensor, y: Tensor, config: EquizeroTrainConfig) -> float:
    """Train M by cross-entropy on upright data ``x: [B, ...]``, ``y: [B]``; final loss."""
    torch.manual_seed(config.seed)
    model.train()
    loss = _fit(
        list(model.parameters()),
        lambda rows: F.cross_entropy(model(x[rows]), y[rows]),
        len(y),
        config,
    )
    model.eval()
    return loss


def train_lambda(
    model: nn.Module,
    lam: LambdaNet,
    group: FiniteGroup,
    x: Tensor,
    y: Tensor,
    config: EquizeroTrainConfig,
) -> float:
    """Train λ on upright ``x: [B, ...]``, ``y: [B]`` with M frozen; final loss.

    M's orbit outputs are computed once (M does not change), so an epoch costs only λ.
    """
    with torch.no_grad():
        phi, logits = orbit_outputs(model.eval(), group, x)
    torch.manual_seed(config.seed)

    def loss_of(rows: Tensor) -> Tensor:
        out = wrap("lambda_equitune", phi[:, rows], logits[:, rows], lam)
        return F.cross_entropy(out.logits, y[rows])

    lam.train()
    loss = _fit(list(lam.parameters()), loss_of, len(y), config)
    lam.eval()
    return loss
