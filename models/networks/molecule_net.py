"""The de novo molecule denoiser: ``D(x_t, t) ~ x_1`` for coordinates and atom-type features.

The state of a molecule is one row per atom, ``[x, y, z, f_1 .. f_F]`` (see
:class:`models.spaces.AtomClouds`). The features at time ``t`` and ``t`` itself feed EDM's
EGNN (:class:`~models.networks.dense_egnn.DenseEGNN`); its coordinate output, centred, is
the coordinate prediction and its feature output the feature prediction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn
from torch_geometric.utils import to_dense_batch

from models import geometry
from models.networks.dense_egnn import DenseEGNN

__all__ = ["MoleculeNet", "MoleculeNetConfig"]


@dataclass(frozen=True)
class MoleculeNetConfig:
    """Hyper-parameters of :class:`MoleculeNet` (EDM's QM9 model: hidden 256, 9 layers)."""

    num_features: int
    hidden: int = 256
    layers: int = 9

    def to_dict(self) -> dict:
        """Plain dict for checkpoints."""
        return asdict(self)


class MoleculeNet(nn.Module):
    """``net(x_t: [N, 3 + F], t: [B], batch: [N]) -> [N, 3 + F]``."""

    def __init__(self, config: MoleculeNetConfig) -> None:
        super().__init__()
        self.config = config
        self.egnn = DenseEGNN(
            config.num_features + 1, config.num_features, config.hidden, config.layers
        )

    def forward(self, state: Tensor, t: Tensor, batch: Tensor) -> Tensor:
        """The prediction of the clean state for every atom."""
        num = t.shape[0]
        h = torch.cat([state[:, 3:], t[batch].unsqueeze(-1).to(state.dtype)], dim=-1)
        h_dense, mask = to_dense_batch(h, batch, batch_size=num)
        x_dense, _ = to_dense_batch(state[:, :3], batch, batch_size=num)
        h_out, x_out = self.egnn(h_dense, x_dense, mask)
        coords = geometry.center(x_out[mask], batch, num)
        return torch.cat([coords, h_out[mask]], dim=-1)
