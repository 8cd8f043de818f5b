"""Backbones: the transformer's shapes, its neighbour-looking heads, a tiny model that overfits."""

import numpy as np
import torch

from chem.backbone import rebuild_backbone
from chem.proteins import Backbone
from models import geometry
from models.interpolant import Interpolant
from models.networks.backbone_net import (
    CA_SPACING_NM,
    BackboneNet,
    BackboneNetConfig,
    sequence_offsets,
)
from models.samplers import SamplingConfig
from models.tasks.backbone import chain_distance_loss, denoise_backbones, sample_backbones
from models.training import TrainConfig, Trainer
from service.backbones.data import BackboneCrops, backbone_data


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


@torch.no_grad()
def test_a_head_biased_to_the_next_residue_hands_on_the_step_to_it():
    net = BackboneNet(BackboneNetConfig(hidden=8, layers=1, heads=2, max_offset=4))
    block = net.blocks[0]
    for layer in (block.qkv, block.bias, block.out, block.ff[-1]):
        layer.weight.zero_()
        layer.bias.zero_()
    block.offset_bias.weight[4 + 1] = torch.tensor([50.0, 0.0])  # head 0 looks at offset +1
    block.out_displacement.weight[:3, :3] = torch.eye(3)  # head 0's displacement -> h[:3]
    x = torch.randn(1, 6, 3)
    offset = sequence_offsets(6, 4)
    h = block(torch.zeros(1, 6, 8), x, torch.zeros(1, 6, 6, 16), offset, torch.ones(1, 6).bool())
    torch.testing.assert_close(h[0, :5, :3] * CA_SPACING_NM, x[0, 1:] - x[0, :-1])
    torch.testing.assert_close(h[0, :, 3:], torch.zeros(6, 5))


def test_the_chain_distance_loss_ignores_rotations_chain_ends_and_early_times():
    torch.manual_seed(0)
    x1 = torch.randn(13, 3)
    batch = torch.tensor([0] * 6 + [1] * 7)
    weight = torch.tensor([1.0, 2.0])
    late = torch.tensor([0.9, 0.8])
    rotation = torch.linalg.qr(torch.randn(3, 3))[0]
    turned = torch.cat([x1[:6] @ rotation.T + 5.0, x1[6:]])  # rotated, and moved away
    assert chain_distance_loss(turned, x1, late, weight, batch) < 1e-10
    stretched = x1.clone()
    stretched[6:] *= 2.0  # the second chain's distances double
    local = sum(((x1[6 + k :] - x1[6 : 13 - k]).norm(dim=1) ** 2).sum() for k in (1, 2, 3)) / (
        6 + 5 + 4
    )
    torch.testing.assert_close(chain_distance_loss(stretched, x1, late, weight, batch), local)
    early = torch.tensor([0.9, 0.5])  # before from_time the second chain does not count
    assert chain_distance_loss(stretched, x1, early, weight, batch) == 0


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


def _self_conditioned_copy(net: BackboneNet) -> BackboneNet:
    """``net`` carried over into a self-conditioned network (new layers at zero)."""
    copy = BackboneNet(BackboneNetConfig(**{**net.config.to_dict(), "self_conditioning": True}))
    missing, unexpected = copy.load_state_dict(net.state_dict(), strict=False)
    assert not unexpected
    assert all("self_condition" in name for name in missing)
    return copy


def test_a_network_gaining_self_conditioning_keeps_its_function_until_trained():
    torch.manual_seed(0)
    net = BackboneNet(BackboneNetConfig(hidden=16, layers=2, heads=2))
    conditioned = _self_conditioned_copy(net)
    x, t, batch = torch.randn(30, 3), torch.rand(2), torch.tensor([0] * 10 + [1] * 20)
    torch.testing.assert_close(conditioned(x, t, batch, torch.randn(30, 3)), net(x, t, batch))
    with torch.no_grad():
        conditioned.embed_self_condition.weight.normal_()
    previous = torch.randn(30, 3)
    together = conditioned(x, t, batch, previous)
    assert (together - net(x, t, batch)).abs().max() > 1e-3
    alone = conditioned(x[:10], t[:1], batch[:10], previous[:10])
    torch.testing.assert_close(alone, together[:10], atol=1e-5, rtol=0)  # padding does not leak


def test_training_conditions_on_a_first_prediction_half_of_the_time():
    torch.manual_seed(0)
    net = _self_conditioned_copy(BackboneNet(BackboneNetConfig(hidden=16, layers=1, heads=2)))
    x, t, batch = torch.randn(12, 3), torch.rand(1), torch.zeros(12, dtype=torch.long)
    grads = []
    for _ in range(40):
        net.zero_grad()
        net(x, t, batch).square().sum().backward()
        grads.append(net.embed_self_condition.weight.grad.abs().sum().item())
    # zeros in, no gradient to these weights; a first prediction in, a gradient
    conditioned = sum(g > 0 for g in grads)
    assert 8 <= conditioned <= 32


def test_the_sampler_hands_each_step_the_last_prediction():
    torch.manual_seed(0)
    net = _self_conditioned_copy(BackboneNet(BackboneNetConfig(hidden=16, layers=1, heads=2)))
    config = SamplingConfig("ode", 10)
    before = sample_backbones(net, [12, 9], "quotient", config, seed=3)
    with torch.no_grad():  # acts on the previous prediction only, nothing when it is zeros
        net.embed_self_condition.weight.normal_()
    after = sample_backbones(net, [12, 9], "quotient", config, seed=3)
    assert all((a - b).abs().max() > 1e-3 for a, b in zip(after, before, strict=True))


def test_denoising_noises_real_chains_to_the_schedule_and_conditions_on_a_first_prediction():
    torch.manual_seed(0)
    cas = [torch.tensor(_helix(40)), torch.tensor(_helix(25))]
    net = _self_conditioned_copy(BackboneNet(BackboneNetConfig(hidden=16, layers=1, heads=2)))
    noised, predicted = denoise_backbones(net, cas, 0.9, seed=1)
    assert [len(x) for x in noised] == [len(x) for x in predicted] == [40, 25]
    # x_t = 0.1 noise + 0.9 data, in A: the noise is 1 A per coordinate (0.1 nm)
    residual = torch.cat([x - 0.9 * (ca - ca.mean(0)) for x, ca in zip(noised, cas, strict=True)])
    assert 0.85 < float(residual.std()) < 1.15
    again = denoise_backbones(net, cas, 0.9, seed=1)[1]
    with torch.no_grad():  # acts on the first prediction only
        net.embed_self_condition.weight.normal_()
    changed = denoise_backbones(net, cas, 0.9, seed=1)[1]
    torch.testing.assert_close(again[0], predicted[0])
    assert (changed[0] - predicted[0]).abs().max() > 1e-3
