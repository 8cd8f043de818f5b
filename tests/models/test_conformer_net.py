import torch
from rdkit import Chem
from torch_geometric.data import Batch, Data

from chem.featurize import ATOM_CARDINALITIES, PAIR_CARDINALITIES, featurize
from chem.molecules import prepare_molecule
from models import geometry
from models.networks.conformer_net import ConformerNet, ConformerNetConfig, dense_pairs
from tests.helpers import assert_rotation_equivariant


def _batch(smiles=("CCO", "C[C@H](N)C(=O)O", "c1ccccc1")):
    data = []
    for s in smiles:
        graph = featurize(prepare_molecule(Chem.MolFromSmiles(s)))
        data.append(Data(atoms=graph.atoms, pairs=graph.pairs, num_nodes=graph.num_atoms))
    return Batch.from_data_list(data)


def test_dense_pairs_lists_every_ordered_pair_once():
    ptr = torch.tensor([0, 2, 5])
    edge_index, keep = dense_pairs(ptr)
    assert keep.tolist() == [False, True, True, False] + [
        i != j for i in range(3) for j in range(3)
    ]
    pairs = {tuple(e) for e in edge_index.t().tolist()}
    assert pairs == {(1, 0), (0, 1)} | {(i, j) for i in range(2, 5) for j in range(2, 5) if i != j}


def test_network_is_rotation_equivariant_and_centred():
    torch.manual_seed(0)
    config = ConformerNetConfig(ATOM_CARDINALITIES, PAIR_CARDINALITIES, hidden=32, layers=2)
    net = ConformerNet(config).double()
    for p in net.parameters():  # make the coordinate head non-trivial
        torch.nn.init.normal_(p, std=0.2)
    batch = _batch()
    x = geometry.center(torch.randn(batch.num_nodes, 3, dtype=torch.float64), batch.batch)
    t = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64)
    out = net(x, t, batch)
    assert geometry.scatter_sum(out, batch.batch).abs().max() < 1e-10
    assert (out - x).abs().max() > 1e-3
    assert_rotation_equivariant(lambda pos: net(pos, t, batch), x, batch.batch, atol=1e-9)
