"""The backbone denoiser: a transformer over residues, Proteina-style (not equivariant).

Each residue's token is built from its noisy C-alpha coordinates (nm), a sinusoidal embedding
of its chain position and of the time; attention between residues gets a per-head bias from
radial basis functions of their current C-alpha distance. The network sees raw coordinates, so
it is trained with random rotations; the quotient sampler then ignores its rotational output
by construction. Output: the clean C-alpha coordinates, centred per chain.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn
from torch_geometric.utils import to_dense_batch

from models import geometry

__all__ = ["BackboneNet", "BackboneNetConfig"]


@dataclass(frozen=True)
class BackboneNetConfig:
    """Hyper-parameters of :class:`BackboneNet`."""

    hidden: int = 128
    layers: int = 4
    heads: int = 4
    distance_bins: int = 16
    max_distance_nm: float = 2.0

    def to_dict(self) -> dict:
        """Plain dict for checkpoints."""
        return asdict(self)


def sinusoidal(values: Tensor, dim: int, scale: float) -> Tensor:
    """``[...] -> [..., dim]`` sine/cosine features of ``values / scale`` at geometric rates."""
    half = dim // 2
    rates = torch.exp(-math.log(10_000.0) * torch.arange(half, device=values.device) / half)
    angles = values.unsqueeze(-1).float() / scale * rates
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


class _Block(nn.Module):
    """Pre-norm self-attention with a distance bias, then a feed-forward layer."""

    def __init__(self, hidden: int, heads: int, bins: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(hidden)
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.bias = nn.Linear(bins, heads)
        self.out = nn.Linear(hidden, hidden)
        self.norm2 = nn.LayerNorm(hidden)
        self.ff = nn.Sequential(
            nn.Linear(hidden, 4 * hidden), nn.SiLU(), nn.Linear(4 * hidden, hidden)
        )

    def forward(self, h: Tensor, rbf: Tensor, key_mask: Tensor) -> Tensor:
        b, n, d = h.shape
        q, k, v = self.qkv(self.norm1(h)).view(b, n, 3, self.heads, d // self.heads).unbind(2)
        bias = self.bias(rbf).permute(0, 3, 1, 2)  # [B, heads, n, n]
        bias = bias.masked_fill(~key_mask[:, None, None, :], float("-inf"))
        attended = nn.functional.scaled_dot_product_attention(
            q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), attn_mask=bias
        )
        h = h + self.out(attended.transpose(1, 2).reshape(b, n, d))
        return h + self.ff(self.norm2(h))


class BackboneNet(nn.Module):
    """``net(x_t: [N, 3] nm, t: [B], batch: [N]) -> [N, 3]`` clean C-alpha coordinates."""

    def __init__(self, config: BackboneNetConfig) -> None:
        super().__init__()
        self.config = config
        hidden = config.hidden
        self.embed = nn.Linear(3 + 2 * hidden, hidden)
        self.blocks = nn.ModuleList(
            _Block(hidden, config.heads, config.distance_bins) for _ in range(config.layers)
        )
        self.norm = nn.LayerNorm(hidden)
        self.readout = nn.Linear(hidden, 3)
        centres = torch.linspace(0.0, config.max_distance_nm, config.distance_bins)
        self.register_buffer("centres", centres, persistent=False)

    def forward(self, x: Tensor, t: Tensor, batch: Tensor) -> Tensor:
        """The prediction of the clean chain for every residue."""
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
        distance = torch.cdist(x_dense, x_dense)
        width = self.config.max_distance_nm / (self.config.distance_bins - 1)
        rbf = torch.exp(-(((distance.unsqueeze(-1) - self.centres) / width) ** 2)).to(x.dtype)
        for block in self.blocks:
            h = block(h, rbf, mask)
        out = x_dense + self.readout(self.norm(h))
        return geometry.center(out[mask], batch, num)
