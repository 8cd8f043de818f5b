import torch
from rdkit import Chem
from torch_geometric.data import Batch, Data

from chem.featurize import ATOM_CARDINALITIES, PAIR_CARDINALITIES, featurize
from chem.molecules import prepare_molecule
from models import geometry
from models.networks.conformer_net import ConformerNet, ConformerNetConfig, size_groups
from models.networks.egnn_layer import EquivariantLayer, gaussian_rbf
from tests.helpers import assert_rotation_equivariant


def _batch(smiles=("CCO", "C[C@H](N)C(=O)O", "c1ccccc1", "OCC")):
    data = []
    for s in smiles:
        graph = featurize(prepare_molecule(Chem.MolFromSmiles(s)))
        data.append(Data(atoms=graph.atoms, pairs=graph.pairs, num_nodes=graph.num_atoms))
    return Batch.from_data_list(data)


def test_size_groups_cover_every_atom_and_pair_block_once():
    ptr = torch.tensor([0, 2, 5, 7])  # sizes 2, 3, 2
    groups = {atoms.shape[1]: (atoms, pairs) for atoms, pairs in size_groups(ptr)}
    assert groups[2][0].tolist() == [[0, 1], [5, 6]]
    assert groups[2][1].tolist() == [[0, 1, 2, 3], [13, 14, 15, 16]]
    assert groups[3][0].tolist() == [[2, 3, 4]]
    assert groups[3][1].tolist() == [list(range(4, 13))]


def _reference_layer(layer, h, pos, edge_attr):
    """The layer written out pair by pair, with the plain concatenated first layer."""
    n = h.shape[0]
    messages, shifts = torch.zeros_like(h), torch.zeros_like(pos)
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            diff = pos[i] - pos[j]
            dist = diff.norm()
            rbf = gaussian_rbf(dist.reshape(1), layer.num_rbf)[0]
            m = layer.edge_mlp(torch.cat([h[i], h[j], rbf, edge_attr[i, j]]))
            messages[i] += m / (n - 1)
            shifts[i] += diff / (dist + 1.0) * layer.coord_mlp(m) / (n - 1)
    return h + layer.node_mlp(torch.cat([layer.norm(h), messages], -1)), pos + shifts


def test_layer_matches_the_pair_by_pair_definition():
    torch.manual_seed(1)
    layer = EquivariantLayer(hidden=8, edge_dim=5).double()
    for p in layer.parameters():
        torch.nn.init.normal_(p, std=0.3)
    h, pos = torch.randn(2, 4, 8, dtype=torch.float64), torch.randn(2, 4, 3, dtype=torch.float64)
    edge_attr = torch.randn(2, 4, 4, 5, dtype=torch.float64)
    h_out, pos_out = layer(h, pos, layer.project_edges(edge_attr))
    for b in range(2):
        h_ref, pos_ref = _reference_layer(layer, h[b], pos[b], edge_attr[b])
        assert torch.allclose(h_out[b], h_ref, atol=1e-10)
        assert torch.allclose(pos_out[b], pos_ref, atol=1e-10)


def test_network_is_rotation_equivariant_and_centred():
    torch.manual_seed(0)
    config = ConformerNetConfig(ATOM_CARDINALITIES, PAIR_CARDINALITIES, hidden=32, layers=2)
    net = ConformerNet(config).double()
    for p in net.parameters():  # make the coordinate head non-trivial
        torch.nn.init.normal_(p, std=0.2)
    batch = _batch()
    x = geometry.center(torch.randn(batch.num_nodes, 3, dtype=torch.float64), batch.batch)
    t = torch.tensor([0.1, 0.5, 0.9, 0.3], dtype=torch.float64)
    out = net(x, t, batch)
    assert geometry.scatter_sum(out, batch.batch).abs().max() < 1e-10
    assert (out - x).abs().max() > 1e-3
    assert_rotation_equivariant(lambda pos: net(pos, t, batch), x, batch.batch, atol=1e-9)
