r"""One E(n)-equivariant message-passing layer with edge features, on fully connected molecules.

After Satorras et al., "E(n) Equivariant Graph Neural Networks" (2021), mean aggregation over
every other atom of the molecule:

.. math::
    m_{ij} = \phi_e(h_i, h_j, \mathrm{rbf}(|x_i - x_j|), e_{ij}), \quad
    x_i \leftarrow x_i + \frac{1}{n - 1}\sum_{j \ne i} \frac{x_i - x_j}{|x_i - x_j| + 1}\,
        \phi_x(m_{ij}), \quad
    h_i \leftarrow h_i + \phi_h\big(h_i, \tfrac{1}{n - 1}\textstyle\sum_{j \ne i} m_{ij}\big)

It runs on ``B`` molecules of one size ``n`` at once, every pair one row of a ``[B, n, n, F]``
tensor: no gather or scatter, only matrix products and broadcasting (a CPU spends most of a
sparse layer's time moving pair rows). Shapes: ``h: [B, n, F]``, ``pos: [B, n, 3]``,
``edge_attr: [B, n, n, F_e]`` (row ``i``, column ``j``: the pair seen from receiver ``i``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["EquivariantLayer", "gaussian_rbf"]


def gaussian_rbf(distance: Tensor, num: int, cutoff: float = 8.0) -> Tensor:
    """``distance: [...] -> [..., num]`` Gaussian radial basis (centres 0..cutoff Å)."""
    centres = torch.linspace(0.0, cutoff, num, device=distance.device, dtype=distance.dtype)
    width = cutoff / (num - 1)
    return torch.exp(-0.5 * ((distance.unsqueeze(-1) - centres) / width) ** 2)


class EquivariantLayer(nn.Module):
    """Updates invariant features ``h`` and coordinates ``pos`` together (E(3)-equivariant).

    The first layer of ``edge_mlp``, ``W [h_i, h_j, rbf_ij, e_ij] + b``, is evaluated in parts:
    ``W_i h_i`` and ``W_j h_j`` per atom (``n`` rows instead of ``n^2`` pairs), ``W_e e_ij + b``
    once per graph (:meth:`project_edges`: edge features do not change while sampling), and
    only the thin ``W_r rbf_ij`` per pair and call. The same function and parameters as the
    plain concatenation, at a fraction of the pair work.
    """

    def __init__(self, hidden: int, edge_dim: int, num_rbf: int = 16) -> None:
        super().__init__()
        self.hidden, self.num_rbf = hidden, num_rbf
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

    def _first_weights(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``W_i, W_j, W_r, W_e``: the column blocks of ``edge_mlp``'s first layer."""
        first = self.edge_mlp[0]
        edge_dim = first.in_features - 2 * self.hidden - self.num_rbf
        return first.weight.split([self.hidden, self.hidden, self.num_rbf, edge_dim], dim=1)

    def project_edges(self, edge_attr: Tensor) -> Tensor:
        """``[..., F_e] -> [..., F]``: the edge features' share of the first message layer."""
        return F.linear(edge_attr, self._first_weights()[3], self.edge_mlp[0].bias)

    def forward(self, h: Tensor, pos: Tensor, edge_term: Tensor) -> tuple[Tensor, Tensor]:
        """``(h, pos) -> (h', pos')``; ``edge_term``: :meth:`project_edges` of the pairs."""
        n = h.shape[1]
        w_i, w_j, w_r, _ = self._first_weights()
        diff = pos.unsqueeze(2) - pos.unsqueeze(1)  # [B, n, n, 3]: x_i - x_j
        dist = diff.norm(dim=-1, keepdim=True)
        pre = F.linear(gaussian_rbf(dist.squeeze(-1), self.num_rbf), w_r) + edge_term
        pre = pre + F.linear(h, w_i).unsqueeze(2) + F.linear(h, w_j).unsqueeze(1)
        m = self.edge_mlp[1:](pre)
        others = max(n - 1, 1)
        # means over j != i: the diagonal's message is taken out; its shift is zero (x_i - x_i)
        messages = (m.sum(2) - m.diagonal(dim1=1, dim2=2).transpose(1, 2)) / others
        shift = (diff / (dist + 1.0) * self.coord_mlp(m)).sum(2) / others
        h = h + self.node_mlp(torch.cat([self.norm(h), messages], dim=-1))
        return h, pos + shift
