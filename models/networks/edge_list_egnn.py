"""EDM's EGNN written the way EDM's code computes it: one edge list, an MLP per edge, scatter-add.

This is the reference :class:`~models.networks.dense_egnn.DenseEGNN` is checked against (the
two compute the same function with the same parameters) and timed against in
``qsdiff bench step``. It runs a ``DenseEGNN``'s own weights on a flat, ragged batch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from models.networks.dense_egnn import DenseEGNN

__all__ = ["edge_list", "edge_list_egnn"]


def edge_list(sizes: list[int], device: torch.device | None = None) -> tuple[Tensor, Tensor]:
    """Rows and columns of every ordered pair ``i != j`` within each molecule of a flat batch."""
    rows, cols, offset = [], [], 0
    for n in sizes:
        index = torch.arange(offset, offset + n, device=device)
        i, j = torch.meshgrid(index, index, indexing="ij")
        keep = i != j
        rows.append(i[keep])
        cols.append(j[keep])
        offset += n
    return torch.cat(rows), torch.cat(cols)


def edge_list_egnn(
    net: DenseEGNN, h: Tensor, x: Tensor, row: Tensor, col: Tensor
) -> tuple[Tensor, Tensor]:
    """``net``'s function on flat ``h: [N, in]``, ``x: [N, 3]`` and the pairs ``(row, col)``."""

    def radial_and_diff(x: Tensor) -> tuple[Tensor, Tensor]:
        diff = x[row] - x[col]
        radial = (diff**2).sum(-1, keepdim=True)
        return radial, diff / (torch.sqrt(radial + 1e-8) + 1)

    radial0, _ = radial_and_diff(x)
    h = net.embedding(h)
    for block in net.blocks:
        radial, diff = radial_and_diff(x)
        edge_attr = torch.cat([radial, radial0], dim=1)
        m = F.silu(block.edge_in(torch.cat([h[row], h[col], edge_attr], dim=1)))
        m = F.silu(block.edge_out(m))
        m = m * torch.sigmoid(block.attention(m))
        aggregated = torch.zeros_like(h).index_add_(0, row, m) / block.normalization
        h = h + block.node_mlp(torch.cat([h, aggregated], dim=1))
        w = F.silu(block.coord_in(torch.cat([h[row], h[col], edge_attr], dim=1)))
        w = F.silu(block.coord_hidden(w))
        translation = diff * torch.tanh(block.coord_out(w)) * block.coords_range
        x = x + torch.zeros_like(x).index_add_(0, row, translation) / block.normalization
    return net.readout(h), x
