"""De novo molecules: the atom-cloud space, and a tiny model that learns one molecule."""

import numpy as np
import pytest
import torch

from chem.edm_metrics import ELEMENTS
from models import geometry
from models.interpolant import Interpolant
from models.networks.molecule_net import MoleculeNet, MoleculeNetConfig
from models.samplers import SamplingConfig
from models.spaces import AtomClouds
from models.tasks.molecule import draw_sizes, encode_types, sample_molecules
from models.training import TrainConfig, Trainer
from service.molecules.data import MoleculeBatch, molecule_data
from tests.chem.fixtures import embedded
from tests.helpers import ragged_clouds


def test_atom_clouds_move_coordinates_and_leave_features_alone():
    x, batch = ragged_clouds([4, 6])
    features = torch.randn(x.shape[0], 2, dtype=x.dtype)
    space = AtomClouds(batch)
    state = torch.cat([x, features], -1)
    noise = space.noise(state, torch.Generator().manual_seed(0))
    torch.testing.assert_close(geometry.center(noise[:, :3], batch), noise[:, :3])
    v = torch.randn_like(state)
    horizontal = space.horizontal(state, v)
    torch.testing.assert_close(horizontal[:, 3:], v[:, 3:])
    torch.testing.assert_close(
        horizontal[:, :3], geometry.horizontal_projection(x, v[:, :3], batch)
    )
    assert space.curvature_drift(state)[:, 3:].abs().max() == 0
    aligned = space.align(v, state)
    torch.testing.assert_close(aligned[:, 3:], v[:, 3:])


def test_sizes_follow_the_histogram():
    sizes = draw_sizes(np.array([0, 0, 3, 1]), 2000, seed=0)
    assert set(sizes) == {2, 3}
    assert sizes.count(2) / len(sizes) == pytest.approx(0.75, abs=0.03)


@pytest.mark.parametrize("treatment", ["quotient", "equivariant"])
def test_a_tiny_model_learns_one_molecule(treatment):
    torch.manual_seed(0)
    mol = embedded("C=O")
    types = torch.tensor([ELEMENTS.index(a.GetSymbol()) for a in mol.GetAtoms()])
    positions = torch.tensor(mol.GetConformer().GetPositions(), dtype=torch.float32)
    row = torch.cat([positions - positions.mean(0), encode_types(types, len(ELEMENTS))], -1)
    copies = 16
    batch = MoleculeBatch(row.repeat(copies, 1), torch.arange(copies).repeat_interleave(4), copies)
    net = MoleculeNet(MoleculeNetConfig(len(ELEMENTS), hidden=32, layers=2))
    trainer = Trainer(net, TrainConfig(treatment, lr=3e-3), Interpolant(), data=molecule_data)
    for _ in range(400):
        trainer.step(batch)
    samples = sample_molecules(
        trainer.ema, [4] * 8, len(ELEMENTS), treatment, SamplingConfig("ode", 20), seed=0
    )
    expected = torch.cdist(positions, positions).flatten().sort().values
    right = [x for t, x in samples if sorted(t.tolist()) == sorted(types.tolist())]
    assert len(right) >= 6  # the C-versus-H call of a 400-step model is not always right
    for sampled_positions in right:
        found = torch.cdist(sampled_positions, sampled_positions).flatten().sort().values
        torch.testing.assert_close(found, expected, atol=0.15, rtol=0)
