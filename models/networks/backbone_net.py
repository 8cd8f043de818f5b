"""The backbone denoiser: a transformer over residues, Proteina-style (not equivariant).

Each residue's token is built from its noisy C-alpha coordinates (nm), a sinusoidal embedding
of its chain position and of the time; attention between residues gets a per-head bias from
radial basis functions of their current C-alpha distance and a learnt bias per sequence offset
(clipped at ``max_offset``), so that a head can look at the chain neighbours directly. Each head
also returns where it looked: the attention-weighted mean of the C-alpha coordinates minus the
residue's own, which hands the next layer the local chain geometry that a well-spaced
prediction needs (without it, a trained network left the noise on neighbour distances as it
was, even close to the data). The network sees raw coordinates, so it is trained with random
rotations; the quotient sampler then ignores its rotational output by construction. Output:
the clean C-alpha coordinates, centred per chain.

Self-conditioning (``self_conditioning=True``, as in Proteina and Genie2): the network may also
take its own previous prediction ``x_sc``, as coordinates on each token and as radial basis
functions of its distances in every attention bias. In training mode half the batches first
predict without it (no gradient) and then condition on that prediction; a sampler hands each
step the last step's prediction. The new layers start at zero, so a network trained without
self-conditioning carries over unchanged.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn
from torch_geometric.utils import to_dense_batch

from models import geometry

__all__ = ["BackboneNet", "BackboneNetConfig", "sequence_offsets"]

CA_SPACING_NM = 0.38
"""Consecutive C-alphas are this far apart: attended displacements are given in this unit, so
that the few-hundredths-of-a-nanometre errors the last steps must fix are not lost in them."""


@dataclass(frozen=True)
class BackboneNetConfig:
    """Hyper-parameters of :class:`BackboneNet`."""

    hidden: int = 128
    layers: int = 4
    heads: int = 4
    distance_bins: int = 16
    max_distance_nm: float = 2.0
    max_offset: int = 32
    self_conditioning: bool = False

    def to_dict(self) -> dict:
        """Plain dict for checkpoints."""
        return asdict(self)


def sinusoidal(values: Tensor, dim: int, scale: float) -> Tensor:
    """``[...] -> [..., dim]`` sine/cosine features of ``values / scale`` at geometric rates."""
    half = dim // 2
    rates = torch.exp(-math.log(10_000.0) * torch.arange(half, device=values.device) / half)
    angles = values.unsqueeze(-1).float() / scale * rates
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


def sequence_offsets(length: int, max_offset: int, device: torch.device | None = None) -> Tensor:
    """``[length, length]`` indices of ``j - i`` clipped to ``±max_offset``, counted from 0."""
    steps = torch.arange(length, device=device)
    return (steps[None, :] - steps[:, None]).clamp(-max_offset, max_offset) + max_offset


class _Block(nn.Module):
    """Pre-norm self-attention with distance and offset biases, then a feed-forward layer.

    The offset bias and the read-out of the attended displacements start at zero, so a block
    begins as plain distance-biased attention.
    """

    def __init__(
        self, hidden: int, heads: int, bins: int, offsets: int, self_conditioning: bool
    ) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(hidden)
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.bias = nn.Linear(bins, heads)
        self.self_condition_bias = _zero_linear(bins, heads) if self_conditioning else None
        self.offset_bias = nn.Embedding(offsets, heads)
        nn.init.zeros_(self.offset_bias.weight)
        self.out = nn.Linear(hidden, hidden)
        self.out_displacement = nn.Linear(3 * heads, hidden, bias=False)
        nn.init.zeros_(self.out_displacement.weight)
        self.norm2 = nn.LayerNorm(hidden)
        self.ff = nn.Sequential(
            nn.Linear(hidden, 4 * hidden), nn.SiLU(), nn.Linear(4 * hidden, hidden)
        )

    def forward(
        self,
        h: Tensor,
        x: Tensor,
        rbf: Tensor,
        offset: Tensor,
        key_mask: Tensor,
        rbf_self_condition: Tensor | None = None,
    ) -> Tensor:
        """``h: [B, n, d]``, ``x: [B, n, 3]`` (nm), ``rbf: [B, n, n, bins]``, ``offset: [n, n]``.

        ``rbf_self_condition`` is ``rbf`` of the previous prediction's distances (self-conditioned
        networks only).
        """
        b, n, d = h.shape
        q, k, v = self.qkv(self.norm1(h)).view(b, n, 3, self.heads, d // self.heads).unbind(2)
        bias = self.bias(rbf) + self.offset_bias(offset)
        if self.self_condition_bias is not None:
            bias = bias + self.self_condition_bias(rbf_self_condition)
        bias = bias.permute(0, 3, 1, 2)  # [B, H, n, n]
        bias = bias.masked_fill(~key_mask[:, None, None, :], float("-inf"))
        values = torch.cat([v, x.unsqueeze(2).expand(b, n, self.heads, 3)], dim=-1)
        attended = nn.functional.scaled_dot_product_attention(
            q.transpose(1, 2), k.transpose(1, 2), values.transpose(1, 2), attn_mask=bias
        ).transpose(1, 2)  # [B, n, H, d/H + 3]
        mixed, looked_at = attended[..., :-3], attended[..., -3:]
        displacement = (looked_at - x.unsqueeze(2)).reshape(b, n, 3 * self.heads) / CA_SPACING_NM
        h = h + self.out(mixed.reshape(b, n, d)) + self.out_displacement(displacement)
        return h + self.ff(self.norm2(h))


def _zero_linear(inputs: int, outputs: int) -> nn.Linear:
    """A linear layer that starts at zero (added to a trained network, it changes nothing)."""
    layer = nn.Linear(inputs, outputs)
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


class BackboneNet(nn.Module):
    """``net(x_t: [N, 3] nm, t: [B], batch: [N], x_sc=None) -> [N, 3]`` clean C-alpha coordinates.

    ``x_sc: [N, 3]`` is the previous prediction; a network without self-conditioning ignores it.
    """

    def __init__(self, config: BackboneNetConfig) -> None:
        super().__init__()
        self.config = config
        hidden = config.hidden
        self.embed = nn.Linear(3 + 2 * hidden, hidden)
        self.embed_self_condition = _zero_linear(3, hidden) if config.self_conditioning else None
        self.blocks = nn.ModuleList(
            _Block(
                hidden,
                config.heads,
                config.distance_bins,
                2 * config.max_offset + 1,
                config.self_conditioning,
            )
            for _ in range(config.layers)
        )
        self.norm = nn.LayerNorm(hidden)
        self.readout = nn.Linear(hidden, 3)
        centres = torch.linspace(0.0, config.max_distance_nm, config.distance_bins)
        self.register_buffer("centres", centres, persistent=False)

    def forward(self, x: Tensor, t: Tensor, batch: Tensor, x_sc: Tensor | None = None) -> Tensor:
        """The prediction of the clean chain for every residue.

        A self-conditioned network in training mode draws, for the whole batch, whether to
        condition on its own prediction first; without ``x_sc`` otherwise, it conditions on zeros.
        """
        if self.embed_self_condition is None:
            return self._predict(x, t, batch, None)
        if x_sc is None and self.training and bool(torch.rand(()) < 0.5):
            with torch.no_grad():
                x_sc = self._predict(x, t, batch, torch.zeros_like(x))
        return self._predict(x, t, batch, torch.zeros_like(x) if x_sc is None else x_sc)

    def _rbf(self, x_dense: Tensor) -> Tensor:
        """``[B, n, 3] -> [B, n, n, bins]`` radial basis functions of the pairwise distances."""
        distance = torch.cdist(x_dense, x_dense)
        width = self.config.max_distance_nm / (self.config.distance_bins - 1)
        return torch.exp(-(((distance.unsqueeze(-1) - self.centres) / width) ** 2)).to(
            x_dense.dtype
        )

    def _predict(self, x: Tensor, t: Tensor, batch: Tensor, x_sc: Tensor | None) -> Tensor:
        """One pass; ``x_sc`` is given exactly when the network is self-conditioned."""
        num = t.shape[0]
        x_dense, mask = to_dense_batch(x, batch, batch_size=num)
        position = mask.long().cumsum(1) - 1
        hidden = self.config.hidden
        tokens = torch.cat(
            [
                x_dense,
                sinusoidal(position, hidden, 1.0),
                sinusoidal(t.view(-1, 1).expand_as(position), hidden, 1e-3),
            ],
            dim=-1,
        ).to(x.dtype)
        h = self.embed(tokens)
        rbf, rbf_self_condition = self._rbf(x_dense), None
        if x_sc is not None:
            x_sc_dense, _ = to_dense_batch(x_sc, batch, batch_size=num)
            h = h + self.embed_self_condition(x_sc_dense)
            rbf_self_condition = self._rbf(x_sc_dense)
        offset = sequence_offsets(x_dense.shape[1], self.config.max_offset, x.device)
        for block in self.blocks:
            h = block(h, x_dense, rbf, offset, mask, rbf_self_condition)
        out = x_dense + self.readout(self.norm(h))
        return geometry.center(out[mask], batch, num)
