"""The dense EGNN computes EDM's EGNN: checked against a plain edge-list implementation."""

import torch
from torch_geometric.utils import to_dense_batch

from models import geometry
from models.networks import dense_egnn
from models.networks.dense_egnn import DenseEGNN
from models.networks.edge_list_egnn import edge_list, edge_list_egnn
from models.networks.molecule_net import MoleculeNet, MoleculeNetConfig
from tests.helpers import assert_rotation_equivariant, ragged_clouds


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
    h_ref, x_ref = edge_list_egnn(net, h, x, *edge_list(sizes))
    torch.testing.assert_close(h_out[mask], h_ref, atol=1e-10, rtol=1e-10)
    torch.testing.assert_close(x_out[mask], x_ref, atol=1e-10, rtol=1e-10)
    assert (x_out[mask] - x).abs().max() > 1e-3  # coordinates did move
    assert h_out[~mask].abs().max() == 0
    assert x_out[~mask].abs().max() == 0


def test_a_batch_run_in_chunks_gives_the_same_result(monkeypatch):
    torch.manual_seed(2)
    net = DenseEGNN(6, 5, hidden=16, layers=2).double()
    h, x = torch.randn(7, 5, 6, dtype=torch.float64), torch.randn(7, 5, 3, dtype=torch.float64)
    mask = torch.rand(7, 5) < 0.8
    whole = net(h, x, mask)
    monkeypatch.setattr(dense_egnn, "PAIR_CHUNK_BYTES", 2 * 5 * 5 * 16 * 8)  # 2 molecules
    chunked = net(h, x, mask)
    torch.testing.assert_close(chunked, whole, atol=1e-12, rtol=0)


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
