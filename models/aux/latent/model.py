r"""The autoencoder: encoder, the latent action :math:`\rho(g)` on ``2K`` features, decoder."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from models.aux.latent.data import IMAGE_SIZE

__all__ = ["LatentActionAE", "LatentConfig", "rotation_blocks"]


@dataclass(frozen=True)
class LatentConfig:
    """The autoencoder: ``num_blocks`` rotating 2-D blocks plus ``invariant_dim`` features."""

    image_size: int = IMAGE_SIZE
    num_blocks: int = 16
    max_frequency: int = 4
    invariant_dim: int = 32
    hidden: int = 192
    occluded: bool = False

    @property
    def latent_dim(self) -> int:
        """``F = 2K + invariant_dim``."""
        return 2 * self.num_blocks + self.invariant_dim


def rotation_blocks(theta: Tensor, frequencies: Tensor) -> Tensor:
    r""":math:`\rho(\theta)`: ``[B, K, 2, 2]`` rotations by :math:`m_k \theta`."""
    angle = theta[:, None] * frequencies
    cos, sin = angle.cos(), angle.sin()
    return torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


class LatentActionAE(nn.Module):
    r"""Encoder, latent action :math:`\rho(g)` on ``2K`` features, decoder.

    ``z: [B, F]``: features ``[:2K]`` are ``K`` pairs that the rotation turns, the rest are
    invariant.
    """

    def __init__(self, config: LatentConfig) -> None:
        super().__init__()
        self.config = config
        pixels = config.image_size**2
        self.encoder = _mlp([pixels, config.hidden, config.hidden, config.latent_dim])
        self.decoder = _mlp([config.latent_dim, config.hidden, config.hidden, pixels])
        freqs = 1.0 + torch.arange(config.num_blocks) % config.max_frequency
        self.register_buffer("frequencies", freqs, persistent=False)

    def encode(self, x: Tensor) -> Tensor:
        """``x: [B, H, W]`` -> ``z: [B, F]``."""
        return self.encoder(x.flatten(1))

    def act(self, z: Tensor, theta: Tensor) -> Tensor:
        r""":math:`\rho(\theta) z`, ``z: [B, F]``, ``theta: [B]``; invariant features untouched."""
        k = self.config.num_blocks
        pairs = z[:, : 2 * k].unflatten(1, (k, 2))
        turned = (rotation_blocks(theta, self.frequencies) @ pairs[..., None])[..., 0]
        return torch.cat([turned.flatten(1), z[:, 2 * k :]], 1)

    def decode(self, z: Tensor) -> Tensor:
        """``z: [B, F]`` -> image ``[B, H, W]`` in (0, 1)."""
        side = self.config.image_size
        return torch.sigmoid(self.decoder(z)).unflatten(1, (side, side))

    def forward(self, x: Tensor, theta: Tensor) -> Tensor:
        r""":math:`D(\rho(\theta) E(x))`: the predicted ``g x``, ``[B, H, W]``."""
        return self.decode(self.act(self.encode(x), theta))
