"""Training the quadratic network on all ``d^2`` pairs by full-batch Adam."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from models.aux.cogs.groups import AbelianGroup
from models.aux.cogs.model import Weights

__all__ = ["CogsTrainConfig", "train"]


@dataclass(frozen=True)
class CogsTrainConfig:
    """Full-batch Adam on all ``d^2`` pairs with coupled L2 weight decay (the paper's recipe)."""

    num_nodes: int = 512
    epochs: int = 10_000
    learning_rate: float = 0.01
    weight_decay: float = 5e-5
    init_scale: float = 0.1
    seed: int = 0


def train(group: AbelianGroup, config: CogsTrainConfig) -> Weights:
    """Gradient descent from a random init; trains ``v_c = w_c / 2d`` (the luckmatters scale)."""
    gen = torch.Generator().manual_seed(config.seed)
    d, q = group.order, config.num_nodes
    params = [
        (config.init_scale * torch.randn(*shape, generator=gen, dtype=torch.float32))
        .requires_grad_()
        for shape in ((q, d), (q, d), (d, q))
    ]  # fmt: skip
    table = torch.as_tensor(group.add_table())
    target = torch.eye(d)[table] - 1 / d
    optim = torch.optim.Adam(params, lr=config.learning_rate, weight_decay=config.weight_decay)
    for _ in range(config.epochs):
        w_a, w_b, v_c = params
        out = ((w_a.T[:, None, :] + w_b.T[None, :, :]) ** 2) @ v_c.T
        out = out - out.mean(dim=-1, keepdim=True)
        loss = ((out - target) ** 2).sum(dim=-1).mean()
        optim.zero_grad()
        loss.backward()
        optim.step()
    w_a, w_b, v_c = (p.detach().double().numpy() for p in params)
    return Weights(w_a, w_b, 2 * d * v_c)
