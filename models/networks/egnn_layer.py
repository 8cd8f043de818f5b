r"""One E(n)-equivariant message-passing layer with edge features (torch-geometric).

After Satorras et al., "E(n) Equivariant Graph Neural Networks" (2021):

.. math::
    m_{ij} = \phi_e(h_i, h_j, \mathrm{rbf}(|x_i - x_j|), e_{ij}), \quad
    x_i \leftarrow x_i + \frac{1}{|\mathcal N(i)|}\sum_j \frac{x_i - x_j}{|x_i - x_j| + 1}\,
        \phi_x(m_{ij}), \quad
    h_i \leftarrow h_i + \phi_h\big(h_i, \tfrac{1}{|\mathcal N(i)|}\textstyle\sum_j m_{ij}\big)

Shapes: ``h: [N, F]``, ``pos: [N, 3]``, ``edge_index: [2, E]``, ``edge_attr: [E, F_e]``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.nn import MessagePassing

__all__ = ["EquivariantLayer", "gaussian_rbf"]


def gaussian_rbf(distance: Tensor, num: int, cutoff: float = 8.0) -> Tensor:
    """``distance: [E] -> [E, num]`` Gaussian radial basis (centres 0..cutoff Å)."""
    centres = torch.linspace(0.0, cutoff, num, device=distance.device, dtype=distance.dtype)
    width = cutoff / (num - 1)
    return torch.exp(-0.5 * ((distance.unsqueeze(-1) - centres) / width) ** 2)


class EquivariantLayer(MessagePassing):
    """Updates invariant features ``h`` and coordinates ``pos`` together (E(3)-equivariant)."""

    def __init__(self, hidden: int, edge_dim: int, num_rbf: int = 16) -> None:
        super().__init__(aggr="mean")
        self.num_rbf = num_rbf
        self.edge_mlp = nn.Sequential(
            nn.Linear(2 * hidden + num_rbf + edge_dim, hidden),
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
        )
        self.coord_mlp = nn.Sequential(nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, 1))
        nn.init.zeros_(self.coord_mlp[-1].weight)  # start as the identity on coordinates
        nn.init.zeros_(self.coord_mlp[-1].bias)
        self.node_mlp = nn.Sequential(
            nn.Linear(2 * hidden, hidden), nn.SiLU(), nn.Linear(hidden, hidden)
        )
        self.norm = nn.LayerNorm(hidden)

    def forward(
        self, h: Tensor, pos: Tensor, edge_index: Tensor, edge_attr: Tensor
    ) -> tuple[Tensor, Tensor]:
        """``(h, pos) -> (h', pos')``."""
        out = self.propagate(edge_index, h=h, pos=pos, edge_attr=edge_attr)
        messages, shift = out[:, :-3], out[:, -3:]
        h = h + self.node_mlp(torch.cat([self.norm(h), messages], dim=-1))
        return h, pos + shift

    def message(
        self, h_i: Tensor, h_j: Tensor, pos_i: Tensor, pos_j: Tensor, edge_attr: Tensor
    ) -> Tensor:
        """Per edge: the message ``m_ij`` and the coordinate shift it asks for, ``[E, F + 3]``."""
        diff = pos_i - pos_j
        dist = diff.norm(dim=-1)
        m = self.edge_mlp(torch.cat([h_i, h_j, gaussian_rbf(dist, self.num_rbf), edge_attr], -1))
        shift = diff / (dist.unsqueeze(-1) + 1.0) * self.coord_mlp(m)
        return torch.cat([m, shift], dim=-1)
