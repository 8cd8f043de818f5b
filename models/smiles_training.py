"""Training the SMILES language model: teacher-forced cross-entropy, AdamW, resumable state."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

from models.networks.smiles_lm import PAD, SmilesLM

__all__ = ["SmilesBatch", "SmilesTrainConfig", "SmilesTrainer"]


@dataclass(frozen=True)
class SmilesBatch:
    """``inputs`` (BOS, tokens) and ``targets`` (tokens, EOS) ``[B, L]`` padded; ``sizes [B]``."""

    inputs: Tensor
    targets: Tensor
    sizes: Tensor

    def to(self, device: str) -> SmilesBatch:
        """The batch on ``device``."""
        return SmilesBatch(self.inputs.to(device), self.targets.to(device), self.sizes.to(device))


@dataclass(frozen=True)
class SmilesTrainConfig:
    """Optimisation settings (saved in every checkpoint)."""

    lr: float = 2e-3
    batch_size: int = 128
    grad_clip: float = 1.0


class SmilesTrainer:
    """Owns the network and its optimiser; one call of :meth:`step` per batch."""

    def __init__(self, net: SmilesLM, config: SmilesTrainConfig) -> None:
        self.net, self.config = net, config
        self.optimizer = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=1e-4)
        self.steps = 0

    def loss(self, batch: SmilesBatch) -> Tensor:
        """Mean cross-entropy of the next token over the non-padding positions."""
        logits, _ = self.net(batch.inputs, batch.sizes)
        return nn.functional.cross_entropy(
            logits.flatten(0, 1), batch.targets.flatten(), ignore_index=PAD
        )

    def step(self, batch: SmilesBatch) -> float:
        """One optimiser step; returns the loss."""
        self.net.train()
        loss = self.loss(batch)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.net.parameters(), self.config.grad_clip)
        self.optimizer.step()
        self.steps += 1
        return loss.item()

    @torch.no_grad()
    def validation_loss(self, batches: list[SmilesBatch]) -> float:
        """Mean loss over ``batches`` (dropout off)."""
        self.net.eval()
        return sum(float(self.loss(b)) for b in batches) / max(len(batches), 1)

    def logged_settings(self) -> dict:
        """The settings a validation record carries beside its losses."""
        return {"lr": self.config.lr, "batch_size": self.config.batch_size}

    def state_dict(self) -> dict:
        """Everything needed to resume: weights, optimiser, step count, config."""
        return {
            "net": self.net.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "steps": self.steps,
            "train_config": asdict(self.config),
        }

    def load_state_dict(self, state: dict) -> None:
        """Resume from :meth:`state_dict`'s output (a new rate in the config wins)."""
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.lr
        self.steps = int(state["steps"])
