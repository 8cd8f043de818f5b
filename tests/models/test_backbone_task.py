"""Backbones: the transformer's shapes and a tiny model that overfits one chain."""

import numpy as np
import torch

from chem.backbone import rebuild_backbone
from chem.proteins import Backbone
from models import geometry
from models.interpolant import Interpolant
from models.networks.backbone_net import BackboneNet, BackboneNetConfig
from models.tasks.backbone import sample_backbones
from models.tasks.conformer import SamplingConfig
from models.training import TrainConfig, Trainer
from service.backbone_data import BackboneCrops, backbone_data


def _helix(length: int) -> np.ndarray:
    k = np.arange(length)
    angle = np.radians(100.0) * k
    trace = np.stack([2.3 * np.cos(angle), 2.3 * np.sin(angle), 1.5 * k], axis=1)
    return trace * 3.80 / np.linalg.norm(np.diff(trace, axis=0), axis=1).mean()


def test_the_network_handles_ragged_batches_and_centres_its_output():
    net = BackboneNet(BackboneNetConfig(hidden=16, layers=1, heads=2))
    x = torch.randn(30, 3)
    batch = torch.tensor([0] * 10 + [1] * 20)
    out = net(x, torch.rand(2), batch)
    assert out.shape == (30, 3)
    torch.testing.assert_close(geometry.center(out, batch), out)
    alone = net(x[:10], torch.tensor([0.3]), batch[:10])
    together = net(x, torch.tensor([0.3, 0.7]), batch)[:10]
    torch.testing.assert_close(alone, together, atol=1e-5, rtol=0)  # padding does not leak


def test_a_tiny_model_overfits_one_chain():
    torch.manual_seed(0)
    ca = _helix(24)
    crops = BackboneCrops([Backbone("helix", rebuild_backbone(ca), "A" * 24)], 24, 24, rotate=False)
    net = BackboneNet(BackboneNetConfig(hidden=32, layers=2, heads=2))
    trainer = Trainer(net, TrainConfig("quotient", lr=3e-3), Interpolant(), data=backbone_data)
    rng = np.random.default_rng(0)
    for _ in range(400):
        trainer.step(crops.random(16, rng))
    reference = torch.tensor(ca - ca.mean(0), dtype=torch.float32)
    for x in sample_backbones(trainer.net, [24] * 4, "quotient", SamplingConfig("ode", 30), seed=0):
        spacing = (x[1:] - x[:-1]).norm(dim=1).mean()
        aligned = geometry.kabsch_align(x, reference, torch.zeros(24, dtype=torch.long))
        rmsd = ((aligned - reference) ** 2).sum(1).mean().sqrt()
        assert abs(spacing - 3.8) < 0.6
        assert rmsd < 1.2
