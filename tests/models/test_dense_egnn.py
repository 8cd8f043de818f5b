"""The dense EGNN computes EDM's EGNN: checked against a plain edge-list implementation."""

import torch
import torch.nn.functional as F
from torch_geometric.utils import to_dense_batch

from models import geometry
from models.networks.dense_egnn import DenseEGNN
from models.networks.molecule_net import MoleculeNet, MoleculeNetConfig
from tests.helpers import assert_rotation_equivariant, ragged_clouds


def _edge_list_egnn(net: DenseEGNN, h, x, sizes):
    """EDM's EGNN written the straightforward way: concatenate, MLP per edge, scatter-add."""
    rows, cols, offset = [], [], 0
    for n in sizes:
        idx = torch.arange(offset, offset + n)
        i, j = torch.meshgrid(idx, idx, indexing="ij")
        keep = i != j
        rows.append(i[keep])
        cols.append(j[keep])
        offset += n
    row, col = torch.cat(rows), torch.cat(cols)

    def radial_and_diff(x):
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
        agg = torch.zeros_like(h).index_add_(0, row, m) / block.normalization
        h = h + block.node_mlp(torch.cat([h, agg], dim=1))
        w = F.silu(block.coord_in(torch.cat([h[row], h[col], edge_attr], dim=1)))
        w = F.silu(block.coord_hidden(w))
        trans = diff * torch.tanh(block.coord_out(w)) * block.coords_range
        x = x + torch.zeros_like(x).index_add_(0, row, trans) / block.normalization
    return net.readout(h), x


def test_dense_egnn_matches_the_edge_list_reference_on_a_ragged_batch():
    torch.manual_seed(0)
    net = DenseEGNN(6, 5, hidden=16, layers=3).double()
    for block in net.blocks:  # make the coordinate updates large enough to matter
        torch.nn.init.normal_(block.coord_out.weight, std=0.3)
    sizes = [4, 7, 2]
    x, batch = ragged_clouds(sizes)
    h = torch.randn(x.shape[0], 6, dtype=torch.float64)
    h_dense, mask = to_dense_batch(h, batch)
    x_dense, _ = to_dense_batch(x, batch)
    h_out, x_out = net(h_dense, x_dense, mask)
    h_ref, x_ref = _edge_list_egnn(net, h, x, sizes)
    torch.testing.assert_close(h_out[mask], h_ref, atol=1e-10, rtol=1e-10)
    torch.testing.assert_close(x_out[mask], x_ref, atol=1e-10, rtol=1e-10)
    assert (x_out[mask] - x).abs().max() > 1e-3  # coordinates did move
    assert h_out[~mask].abs().max() == 0
    assert x_out[~mask].abs().max() == 0


def test_molecule_net_is_equivariant_in_coordinates_and_invariant_in_features():
    torch.manual_seed(1)
    net = MoleculeNet(MoleculeNetConfig(num_features=5, hidden=16, layers=2)).double()
    x, batch = ragged_clouds([5, 3])
    features = torch.randn(x.shape[0], 5, dtype=torch.float64)
    t = torch.tensor([0.3, 0.8], dtype=torch.float64)

    def coords(pos):
        return net(torch.cat([pos, features], -1), t, batch)[:, :3]

    assert_rotation_equivariant(coords, x, batch, atol=1e-9)
    out = net(torch.cat([x, features], -1), t, batch)
    rotated = geometry.random_rotations(1, dtype=x.dtype)[0]
    out_rotated = net(torch.cat([x @ rotated.T, features], -1), t, batch)
    torch.testing.assert_close(out[:, 3:], out_rotated[:, 3:], atol=1e-9, rtol=0)
    torch.testing.assert_close(geometry.center(out[:, :3], batch), out[:, :3])
