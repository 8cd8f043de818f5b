"""Backbones: the frame-reading transformer's symmetry and handedness, its local-geometry loss,
self- and secondary-structure conditioning, and a tiny model that overfits."""

import numpy as np
import pytest
import torch

from chem.backbone import rebuild_backbone
from chem.proteins import Backbone
from models import geometry
from models.interpolant import Interpolant
from models.networks.backbone_net import (
    SS_UNKNOWN,
    BackboneNet,
    BackboneNetConfig,
    Chains,
    local_frames,
)
from models.samplers import SamplingConfig
from models.tasks.backbone import denoise_backbones, local_geometry_loss, sample_backbones
from models.training import TrainConfig, Trainer
from service.backbones.data import BackboneCrops, backbone_data

RAGGED = torch.tensor([0] * 10 + [1] * 20)


def _helix(length: int) -> np.ndarray:
    k = np.arange(length)
    angle = np.radians(100.0) * k
    trace = np.stack([2.3 * np.cos(angle), 2.3 * np.sin(angle), 1.5 * k], axis=1)
    return trace * 3.80 / np.linalg.norm(np.diff(trace, axis=0), axis=1).mean()


def _net(**options) -> BackboneNet:
    """A tiny network whose read-out is not zero (a new one starts as the skip alone)."""
    torch.manual_seed(0)
    net = BackboneNet(BackboneNetConfig(hidden=16, layers=1, heads=2, **options)).eval()
    with torch.no_grad():
        net.readout.weight.normal_()
    return net


def _rotation(seed: int) -> torch.Tensor:
    rotation = torch.linalg.qr(torch.randn(3, 3, generator=torch.Generator().manual_seed(seed)))[0]
    return rotation * torch.linalg.det(rotation)  # proper: det +1


def test_the_network_handles_ragged_batches_and_centres_its_output():
    net = _net()
    x = torch.randn(30, 3)
    out = net(x, torch.rand(2), Chains(RAGGED))
    assert out.shape == (30, 3)
    torch.testing.assert_close(geometry.center(out, RAGGED), out)
    alone = net(x[:10], torch.tensor([0.3]), Chains(RAGGED[:10]))
    together = net(x, torch.tensor([0.3, 0.7]), Chains(RAGGED))[:10]
    torch.testing.assert_close(alone, together, atol=1e-5, rtol=0)  # padding does not leak


@torch.no_grad()
def test_the_network_turns_with_its_input_but_tells_a_mirror_image_apart():
    net = _net(self_conditioning=True)
    x, previous = geometry.center(torch.randn(30, 3), RAGGED), torch.randn(30, 3)
    t, chains = torch.tensor([0.4, 0.9]), Chains(RAGGED)
    out = net(x, t, chains, previous)
    rotation = _rotation(1)
    turned = net(x @ rotation.T, t, chains, previous @ rotation.T)
    torch.testing.assert_close(turned, out @ rotation.T, atol=1e-5, rtol=0)
    mirror = torch.diag(torch.tensor([-1.0, 1.0, 1.0]))
    mirrored = net(x @ mirror, t, chains, previous @ mirror)
    assert (mirrored - out @ mirror).abs().max() > 1e-2  # handedness is seen


def test_local_frames_are_right_handed_and_the_ends_borrow_their_neighbours():
    frames = local_frames(torch.randn(2, 7, 3), torch.tensor([7, 5]))
    identity = torch.eye(3).expand(2, 7, 3, 3)
    torch.testing.assert_close(frames.transpose(-1, -2) @ frames, identity, atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.linalg.det(frames), torch.ones(2, 7), atol=1e-5, rtol=0)
    torch.testing.assert_close(frames[:, 0], frames[:, 1])
    torch.testing.assert_close(frames[1, 4], frames[1, 3])  # the last of five residues


def test_the_local_geometry_loss_sees_handedness_but_not_rotations_or_early_times():
    torch.manual_seed(0)
    x1 = torch.tensor(np.concatenate([_helix(6), _helix(7)]), dtype=torch.float32) / 10
    batch = torch.tensor([0] * 6 + [1] * 7)
    chains, weight, late = Chains(batch), torch.tensor([1.0, 2.0]), torch.tensor([0.9, 0.8])
    turned = torch.cat([x1[:6] @ _rotation(2).T + 5.0, x1[6:]])  # rotated, and moved away
    assert local_geometry_loss(turned, x1, late, weight, chains) < 1e-10
    mirrored = x1 * torch.tensor([-1.0, 1.0, 1.0])  # the same distances, the other hand
    assert local_geometry_loss(mirrored, x1, late, weight, chains) > 1e-3
    stretched = x1.clone()
    stretched[6:] *= 2.0
    assert local_geometry_loss(stretched, x1, late, weight, chains) > 1e-3
    early = torch.tensor([0.5, 0.5])  # before from_time nothing counts
    assert local_geometry_loss(stretched, x1, early, weight, chains) == 0


def test_a_tiny_model_learns_one_chain():
    """Its prediction from a noised copy is closer to the chain than the copy is.

    An equivariant network cannot memorise a pose, only a shape: it is judged after alignment.
    """
    torch.manual_seed(0)
    ca = _helix(24)
    crops = BackboneCrops([Backbone("helix", rebuild_backbone(ca), "A" * 24)], 24, 24)
    net = BackboneNet(BackboneNetConfig(hidden=32, layers=2, heads=2))
    trainer = Trainer(
        net, TrainConfig("quotient", lr=3e-3, weight_floor=0.01), Interpolant(), data=backbone_data
    )
    rng = np.random.default_rng(0)
    for _ in range(400):
        trainer.step(crops.random(16, rng))
    batch = torch.zeros(24, dtype=torch.long)
    clean = torch.tensor(ca - ca.mean(0), dtype=torch.float32)

    def rmsd(x: torch.Tensor) -> float:
        aligned = geometry.kabsch_align(x, clean, batch)
        return float(((aligned - clean) ** 2).sum(1).mean().sqrt())

    noised, predicted = denoise_backbones(trainer.net, [clean], 0.9, seed=0)
    assert rmsd(predicted[0]) < 0.6 * rmsd(noised[0])
    assert rmsd(predicted[0]) < 1.0
    spacing = (predicted[0][1:] - predicted[0][:-1]).norm(dim=1)
    assert abs(float(spacing.mean()) - 3.8) < 0.2


def test_training_conditions_on_a_first_prediction_half_of_the_time():
    net = _net(self_conditioning=True).train()
    x, t, chains = torch.randn(12, 3), torch.rand(1), Chains(torch.zeros(12, dtype=torch.long))
    grads = []
    for _ in range(40):
        net.zero_grad()
        net(x, t, chains).square().sum().backward()
        grads.append(net.embed_self_condition.weight.grad.abs().sum().item())
    # zeros in, no gradient to these weights; a first prediction in, a gradient
    conditioned = sum(g > 0 for g in grads)
    assert 8 <= conditioned <= 32


def test_the_sampler_hands_each_step_the_last_prediction():
    net = _net(self_conditioning=True)
    config = SamplingConfig("ode", 10)
    before = sample_backbones(net, [12, 9], "quotient", config, seed=3)
    with torch.no_grad():  # acts on the previous prediction only, nothing when there is none
        net.embed_self_condition.weight.normal_()
    after = sample_backbones(net, [12, 9], "quotient", config, seed=3)
    assert all((a - b).abs().max() > 1e-3 for a, b in zip(after, before, strict=True))


@torch.no_grad()
def test_secondary_structure_conditions_the_prediction_and_guidance_mixes_in_the_rest():
    net = _net(ss_conditioning=True)
    net.embed_ss.weight.normal_()
    x, t = torch.randn(30, 3), torch.tensor([0.5, 0.5])
    ss = torch.tensor([0] * 10 + [1] * 10 + [2] * 10)
    plain = net(x, t, Chains(RAGGED))
    unknown = net(x, t, Chains(RAGGED, torch.full((30,), SS_UNKNOWN)))
    torch.testing.assert_close(plain, unknown)  # no letters is "not given" everywhere
    assert (net(x, t, Chains(RAGGED, ss)) - plain).abs().max() > 1e-3
    config = SamplingConfig("ode", 5)
    conditional = sample_backbones(net, [10, 20], "quotient", config, seed=1, ss=ss)
    guided = sample_backbones(net, [10, 20], "quotient", config, seed=1, ss=ss, guidance=1.0)
    strong = sample_backbones(net, [10, 20], "quotient", config, seed=1, ss=ss, guidance=3.0)
    torch.testing.assert_close(guided[0], conditional[0])  # weight 1: the conditional model
    assert (strong[0] - conditional[0]).abs().max() > 1e-3


@torch.no_grad()
def test_a_guided_pass_is_the_mix_of_two_passes():
    net = _net(self_conditioning=True, ss_conditioning=True)
    net.embed_ss.weight.normal_()
    x, previous, t = torch.randn(30, 3), torch.randn(30, 3), torch.tensor([0.3, 0.8])
    ss = torch.tensor([0] * 10 + [1] * 10 + [2] * 10)
    conditional = net(x, t, Chains(RAGGED, ss), previous)
    unconditional = net(x, t, Chains(RAGGED), previous)
    expected = unconditional + 2.5 * (conditional - unconditional)
    torch.testing.assert_close(net.guided(x, t, Chains(RAGGED, ss), previous, 2.5), expected)
    with pytest.raises(ValueError, match="letters"):
        net.guided(x, t, Chains(RAGGED), previous, 2.5)


def test_training_hides_a_chains_letters_at_the_dropout_rate():
    net = _net(ss_conditioning=True).train()
    chains = Chains(torch.arange(400).repeat_interleave(2), torch.zeros(800, dtype=torch.long))
    hidden = net._ss_classes(torch.zeros(800, 3), torch.zeros(400), chains) == SS_UNKNOWN
    per_chain = hidden.view(400, 2)
    assert (per_chain[:, 0] == per_chain[:, 1]).all()  # whole chains at a time
    assert per_chain[:, 0].float().mean().item() == pytest.approx(0.2, abs=0.06)


def test_denoising_noises_real_chains_to_the_schedule_and_conditions_on_a_first_prediction():
    cas = [torch.tensor(_helix(40)), torch.tensor(_helix(25))]
    net = _net(self_conditioning=True)
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
