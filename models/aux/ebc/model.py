r"""The EbC encoder, the least-squares group representation, and the contrastive objective.

For one system (one unknown ``g``) with reference embeddings ``X = f(y_{1..n})`` and
``X' = f(g y_{1..n})`` (both ``[n, D]``), the representation is the least-squares solution

.. math::

    \hat R(g) = \arg\min_R \lVert X R^\top - X' \rVert_F^2 ,

and the held-out pair ``(y_0, g y_0)`` is scored by InfoNCE with Euclidean similarity
``s(a, b) = -\lVert a - b \rVert^2 / \tau`` between the prediction ``a = \hat R(g) f(y_0)``
and ``f(g y_0)``, against negatives ``f(y^-_j)`` of other scenes (Schmidt et al., NeurIPS 2025),
as the cross-entropy of picking the partner among all candidates:

.. math::

    \mathcal L = -s(a, f(g y_0))
        + \log \Big( e^{s(a, f(g y_0))} + \sum_j e^{s(a, f(y^-_j))} \Big) \;\ge\; 0 .

The partner stays in the denominator so that the loss is bounded: without it, an encoder whose
predictions are exact (which a finite world allows) lowers the loss without end by growing
its scale. On the shapes world that race (600 steps, embeddings up to ~7,000 times larger, loss
-1e7) took an encoder regressed onto the true latents from orientation ``R^2`` 1.00 to 0.02;
with the partner in the denominator it keeps 0.98.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

__all__ = ["Encoder", "SpectrumEncoder", "infonce", "solve_representation"]


class Encoder(nn.Module):
    """An MLP ``f: [B, F] -> [B, D]``; no group-specific structure (the method needs none)."""

    def __init__(self, obs_dim: int, embedding_dim: int, hidden: int) -> None:
        super().__init__()
        self.obs_dim, self.embedding_dim, self.hidden = obs_dim, embedding_dim, hidden
        self.net = nn.Sequential(
            nn.Linear(obs_dim, hidden),
            nn.GELU(),
            nn.Linear(hidden, hidden),
            nn.GELU(),
            nn.Linear(hidden, embedding_dim),
        )

    def forward(self, y: Tensor) -> Tensor:
        """Embeddings ``[B, D]`` of observations ``y: [B, F]``."""
        return self.net(y)


class SpectrumEncoder(Encoder):
    """An MLP on a square image's power spectrum ``|FFT|^2``, scaled by its zero-frequency term.

    On a periodic canvas the power spectrum does not change under cyclic shifts, so this encoder
    cannot see the positions, while it reads an outline's orientation (mod ``pi``) linearly. The
    benchmark's diagnosis fits it to ask whether EbC identifies the orientation once the
    positions cannot compete with it for the embedding.
    """

    def __init__(self, obs_dim: int, embedding_dim: int, hidden: int) -> None:
        super().__init__(obs_dim, embedding_dim, hidden)
        self.size = math.isqrt(obs_dim)
        if self.size * self.size != obs_dim:
            raise ValueError(f"observations of {obs_dim} values are not a square image")

    def forward(self, y: Tensor) -> Tensor:
        """Embeddings ``[..., D]`` of images flattened to ``y: [..., size * size]``."""
        images = y.reshape(*y.shape[:-1], self.size, self.size)
        power = torch.fft.fft2(images).abs().pow(2).flatten(-2)
        return self.net(power / power[..., :1].clamp(min=1e-6))


def solve_representation(x: Tensor, x_prime: Tensor) -> Tensor:
    """``R: [..., D, D]`` with ``x'_i ~ R x_i`` per system, from ``x, x_prime: [..., n, D]``.

    Needs ``n >= D`` pairs of linearly independent ``x`` for a unique answer; otherwise the
    pseudo-inverse gives the minimum-norm one. (``torch.linalg.lstsq``'s default CPU driver
    returns all-zero solutions for rank-deficient members of a batch, e.g. the embeddings of
    a collapsed encoder, so it is not used.)
    """
    return (torch.linalg.pinv(x) @ x_prime).transpose(-1, -2)


def infonce(anchor: Tensor, positive: Tensor, negatives: Tensor, temperature: float) -> Tensor:
    """Mean InfoNCE over ``anchor, positive: [S, D]`` with shared ``negatives: [K, D]``."""
    pos = -(anchor - positive).pow(2).sum(-1) / temperature
    neg = -torch.cdist(anchor, negatives).pow(2) / temperature
    candidates = torch.cat([pos[:, None], neg], dim=1)
    return (-pos + torch.logsumexp(candidates, dim=1)).mean()
