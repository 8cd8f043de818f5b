import pytest
import torch

from models import geometry
from models.objectives import TREATMENTS, check_treatment, denoiser_loss
from models.spaces import PointClouds
from tests.helpers import ragged_clouds, rigid_rotation_field


def _setup(seed=0):
    x1, batch = ragged_clouds([3, 5, 8], seed=seed)
    x_t, _ = ragged_clouds([3, 5, 8], seed=seed + 1)
    pred = x1 + 0.3 * torch.randn(x1.shape, dtype=torch.float64)
    return PointClouds(batch), batch, x1, x_t, geometry.center(pred, batch)


def test_quotient_loss_ignores_the_vertical_part_of_the_prediction():
    space, batch, x1, x_t, pred = _setup()
    spin = 5 * rigid_rotation_field(x_t, batch)
    base = denoiser_loss("quotient", space, pred, x1, x_t)
    torch.testing.assert_close(denoiser_loss("quotient", space, pred + spin, x1, x_t), base)
    # the conventional loss does not
    assert denoiser_loss("equivariant", space, pred + spin, x1, x_t) > 2 * denoiser_loss(
        "equivariant", space, pred, x1, x_t
    )


@pytest.mark.parametrize("treatment", ["geodiff", "af3"])
def test_alignment_losses_ignore_the_orientation_of_the_data(treatment):
    space, batch, x1, x_t, pred = _setup()
    rot = geometry.random_rotations(
        3, dtype=torch.float64, generator=torch.Generator().manual_seed(4)
    )[batch]
    turned = (rot @ x1.unsqueeze(-1)).squeeze(-1)
    torch.testing.assert_close(
        denoiser_loss(treatment, space, pred, turned, x_t),
        denoiser_loss(treatment, space, pred, x1, x_t),
    )
    assert not torch.allclose(
        denoiser_loss("equivariant", space, pred, turned, x_t),
        denoiser_loss("equivariant", space, pred, x1, x_t),
    )


def test_af3_target_carries_no_gradient():
    space, batch, x1, x_t, pred = _setup()
    pred = pred.clone().requires_grad_(True)
    loss = denoiser_loss("af3", space, pred, x1, x_t)
    (grad,) = torch.autograd.grad(loss, pred)
    target = space.align(x1, pred.detach())
    counts = torch.bincount(batch).to(torch.float64)[batch].unsqueeze(-1)
    torch.testing.assert_close(grad, 2 * (pred.detach() - target) / counts / 3)


@pytest.mark.parametrize("treatment", TREATMENTS)
def test_every_loss_is_zero_at_the_data_and_weighted_per_sample(treatment):
    space, _, x1, x_t, pred = _setup()
    if treatment != "geodiff":  # geodiff's target is x1 rotated onto x_t, not x1
        assert float(denoiser_loss(treatment, space, x1, x1, x_t)) < 1e-20
    weight = torch.tensor([0.0, 0.0, 3.0], dtype=torch.float64)
    sliced = PointClouds(torch.zeros(8, dtype=torch.long))
    last = slice(8, 16)
    expected = 3.0 * denoiser_loss(treatment, sliced, pred[last], x1[last], x_t[last]) / 3
    torch.testing.assert_close(
        denoiser_loss(treatment, space, pred, x1, x_t, weight=weight), expected
    )


def test_unknown_treatment_is_named():
    assert check_treatment("geodiff") == "geodiff"
    with pytest.raises(ValueError, match=r"unknown treatment 'edm'.*'quotient'"):
        check_treatment("edm")
