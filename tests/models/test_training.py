"""A tiny network must overfit a handful of molecules under every treatment's loss."""

import pytest
import torch
from torch_geometric.data import Batch, Data

from chem.featurize import ATOM_CARDINALITIES, PAIR_CARDINALITIES, featurize
from models import geometry
from models.interpolant import Interpolant
from models.networks.conformer_net import ConformerNet, ConformerNetConfig
from models.samplers import SamplingConfig
from models.tasks.conformer import sample_conformers
from models.training import TrainConfig, Trainer
from tests.chem.fixtures import embedded


def _data():
    data = []
    for s in ("CCO", "CC(=O)N", "OCC1CC1", "CC#N"):
        mol = embedded(s)
        graph = featurize(mol)
        pos = torch.tensor(mol.GetConformer().GetPositions(), dtype=torch.float32)
        data.append(
            Data(
                atoms=graph.atoms,
                pairs=graph.pairs,
                pos=pos - pos.mean(0),
                num_nodes=graph.num_atoms,
            )
        )
    return Batch.from_data_list(data)


def _rmsd(trainer, batch):
    x = sample_conformers(
        trainer.ema, batch, trainer.config.treatment, SamplingConfig(num_steps=10), seed=0
    )
    ref = geometry.center(batch.pos, batch.batch)
    aligned = geometry.kabsch_align(x, ref, batch.batch)
    sq = geometry.scatter_sum(((aligned - ref) ** 2).sum(-1), batch.batch)
    return float((sq / torch.bincount(batch.batch)).sqrt().mean())


@pytest.mark.parametrize("treatment", ["quotient", "equivariant"])
def test_tiny_model_overfits_a_few_molecules(treatment):
    torch.manual_seed(0)
    batch = _data()
    net = ConformerNet(
        ConformerNetConfig(ATOM_CARDINALITIES, PAIR_CARDINALITIES, hidden=32, layers=3)
    )
    trainer = Trainer(net, TrainConfig(treatment, lr=3e-3, ema_decay=0.9), Interpolant())
    before = _rmsd(trainer, batch)
    first = trainer.validation_loss([batch])
    for _ in range(300):
        trainer.step(batch)
    assert trainer.validation_loss([batch]) < 0.8 * first
    after = _rmsd(trainer, batch)
    assert after < 0.8 * before, (before, after)


def test_state_round_trips():
    batch = _data()
    config = ConformerNetConfig(ATOM_CARDINALITIES, PAIR_CARDINALITIES, hidden=16, layers=1)
    trainer = Trainer(ConformerNet(config), TrainConfig("af3"), Interpolant())
    trainer.step(batch)
    clone = Trainer(ConformerNet(config), TrainConfig("af3"), Interpolant())
    clone.load_state_dict(trainer.state_dict())
    assert clone.steps == 1
    assert clone.validation_loss([batch]) == trainer.validation_loss([batch])
    with pytest.raises(ValueError, match="unknown treatment 'edm'"):
        TrainConfig("edm")
