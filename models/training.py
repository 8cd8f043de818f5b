r"""Training a denoiser under one symmetry treatment: loss, optimiser step, EMA, state.

Task-agnostic: a ``data`` function turns a batch into its configuration space, the data
``x_1`` and what the network takes besides ``(x_t, t)``. The default reads torch-geometric
batches with ``pos: [N, 3]`` and ``batch: [N]`` and calls ``net(x_t, t, batch)``.

Loss weight: :math:`w(t) = 1 / (\alpha_t^2 + f)` with the floor :math:`f` (``weight_floor``,
0.1 by default: from 0.9 at the prior to 10 at the data), so that the fine geometry of the last
steps is learnt without the unbounded velocity weight :math:`1/\alpha_t^2`; a lower floor
weighs the last steps more (backbones: 0.01, up to 100). A task may add an auxiliary loss
under the same weights (``auxiliary_weight`` times it), such as the backbones' chain distances.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import Tensor, nn

from models import geometry
from models.interpolant import Interpolant
from models.objectives import Treatment, check_treatment, denoiser_loss
from models.spaces import ConfigurationSpace, PointClouds

__all__ = ["AuxiliaryLoss", "TrainConfig", "Trainer", "TrainingData", "point_cloud_data"]

TrainingData = Callable[[Any], tuple[ConfigurationSpace, Tensor, Any]]
"""``data(batch) -> (space, x_1, context)``; the network is called as ``net(x_t, t, context)``."""

AuxiliaryLoss = Callable[[Tensor, Tensor, Tensor, Tensor, Any], Tensor]
"""``auxiliary(pred, x_1, t, weight, context) -> scalar``; ``t`` and the weights are ``[B]``."""


def point_cloud_data(batch) -> tuple[ConfigurationSpace, Tensor, Any]:
    """Centred ``batch.pos`` in :class:`PointClouds`; the network gets the whole batch."""
    num = batch.num_graphs
    return PointClouds(batch.batch, num), geometry.center(batch.pos, batch.batch, num), batch


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (saved in every checkpoint)."""

    treatment: Treatment
    lr: float = 1e-3
    batch_size: int = 64
    ema_decay: float = 0.999
    grad_clip: float = 10.0
    weight_floor: float = 0.1
    auxiliary_weight: float = 0.0

    def __post_init__(self) -> None:
        check_treatment(self.treatment)


class Trainer:
    """Owns the network, its EMA copy and the optimiser; one call of :meth:`step` per batch."""

    def __init__(
        self,
        net: nn.Module,
        config: TrainConfig,
        interpolant: Interpolant,
        data: TrainingData = point_cloud_data,
        auxiliary: AuxiliaryLoss | None = None,
    ) -> None:
        if config.auxiliary_weight and auxiliary is None:
            raise ValueError("auxiliary_weight is set but the task has no auxiliary loss")
        self.net = net
        self.data = data
        self.auxiliary = auxiliary
        self.ema = copy.deepcopy(net).requires_grad_(False)
        self.config = config
        self.interpolant = interpolant
        self.optimizer = torch.optim.AdamW(net.parameters(), lr=config.lr)
        self.steps = 0

    def loss(
        self, batch, generator: torch.Generator | None = None, net: nn.Module | None = None
    ) -> Tensor:
        """The treatment's weighted denoising loss on ``batch`` at random times."""
        net = self.net if net is None else net
        space, x1, context = self.data(batch)
        x0 = space.noise(x1, generator)
        t = torch.rand(space.num_samples, generator=generator, dtype=x1.dtype, device=x1.device)
        x_t = self.interpolant.interpolate(x0, x1, space.per_sample(t))
        pred = net(x_t, t, context)
        alpha = self.interpolant.schedule.alpha(t)
        weight = 1.0 / (alpha * alpha + self.config.weight_floor)
        loss = denoiser_loss(self.config.treatment, space, pred, x1, x_t, weight)
        if self.config.auxiliary_weight:
            loss = loss + self.config.auxiliary_weight * self.auxiliary(
                pred, x1, t, weight, context
            )
        return loss

    def step(self, batch) -> float:
        """One optimiser step and EMA update; returns the loss."""
        self.net.train()
        loss = self.loss(batch)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.net.parameters(), self.config.grad_clip)
        self.optimizer.step()
        self.steps += 1
        decay = min(self.config.ema_decay, (1 + self.steps) / (10 + self.steps))
        with torch.no_grad():
            for ema_p, p in zip(self.ema.parameters(), self.net.parameters(), strict=True):
                ema_p.lerp_(p, 1 - decay)
        return loss.item()

    def logged_settings(self) -> dict:
        """The settings a validation record carries: the rate and the two that scale val_loss."""
        return {
            "lr": self.config.lr,
            "weight_floor": self.config.weight_floor,
            "auxiliary_weight": self.config.auxiliary_weight,
        }

    @torch.no_grad()
    def validation_loss(self, batches, seed: int = 0) -> float:
        """Mean loss of the EMA network over ``batches`` with fixed noise and times."""
        self.ema.eval()
        device = next(self.ema.parameters()).device  # the noise is drawn where the data is
        generator = torch.Generator(device=device).manual_seed(seed)
        losses = [float(self.loss(b, generator, net=self.ema)) for b in batches]
        return sum(losses) / max(len(losses), 1)

    def state_dict(self) -> dict:
        """Everything needed to resume: weights, EMA, optimiser, step count, config."""
        return {
            "net": self.net.state_dict(),
            "ema": self.ema.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "steps": self.steps,
            "train_config": asdict(self.config),
        }

    def load_state_dict(self, state: dict) -> None:
        """Resume from :meth:`state_dict`'s output."""
        self.net.load_state_dict(state["net"])
        self.ema.load_state_dict(state["ema"])
        self.optimizer.load_state_dict(state["optimizer"])
        for group in self.optimizer.param_groups:  # a resumed run may set a new rate
            group["lr"] = self.config.lr
        self.steps = int(state["steps"])
