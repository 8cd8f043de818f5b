"""Latent group actions: data, the latent representation, the metrics, and the paper's claims."""

import math

import pytest
import torch

from models.aux import latent as la
from models.aux.latent.data import OCCLUDER_COLS, OCCLUDER_ROWS, OCCLUDER_VALUE
from models.aux.latent.metrics import _gaussian_window
from service.aux.latent import CHECKPOINT_NAME, load_models
from service.config import get_settings


@pytest.fixture(scope="module")
def digits():
    return la.split_digits(la.load_digit_images())


@pytest.fixture(scope="module")
def occluded_model(digits):
    """A small budget: enough to show the occluded claim, not to make good pictures."""
    return la.train_model(
        digits[0], la.LatentConfig(occluded=True), la.LatentTrainConfig(steps=300)
    )


def test_digits_are_centred_in_the_canvas_and_split_in_full(digits):
    train, test = digits
    assert train.shape[1:] == test.shape[1:] == (la.IMAGE_SIZE, la.IMAGE_SIZE)
    assert len(train) + len(test) == 1797
    assert float(train.min()) >= 0
    assert float(train.max()) <= 1
    border = torch.cat([train[:, :4], train[:, -4:]], 1)
    assert float(border.abs().max()) == 0


def test_quarter_turn_is_rot90_counter_clockwise(digits):
    images = digits[1][:8]
    turned = la.rotate(images, torch.full((8,), math.pi / 2))
    torch.testing.assert_close(turned, torch.rot90(images, 1, dims=(-2, -1)), atol=1e-5, rtol=0)


def test_the_occluder_stays_put_while_the_digit_turns(digits):
    images = digits[1][:16]
    t = la.make_triples(images, torch.zeros(16), torch.full((16,), 2.0), occluded=True)
    block = (slice(None), OCCLUDER_ROWS, OCCLUDER_COLS)
    assert torch.all(t.x[block] == OCCLUDER_VALUE)
    assert torch.all(t.gx[block] == OCCLUDER_VALUE)
    assert float((t.x - t.gx).abs().max()) > 0.5


def test_latent_action_is_a_representation_of_so2_on_part_of_the_code():
    model = la.LatentActionAE(la.LatentConfig())
    k2 = 2 * model.config.num_blocks
    z = torch.randn(5, model.config.latent_dim)
    a, b = torch.rand(5) * 7, torch.rand(5) * 7
    torch.testing.assert_close(model.act(model.act(z, a), b), model.act(z, a + b))
    torch.testing.assert_close(model.act(z, torch.full((5,), 2 * math.pi)), z, atol=1e-5, rtol=0)
    moved = model.act(z, a)
    torch.testing.assert_close(moved[:, k2:], z[:, k2:], atol=0, rtol=0)
    torch.testing.assert_close(moved.norm(dim=1), z.norm(dim=1))
    assert float((moved[:, :k2] - z[:, :k2]).abs().max()) > 0.1


def test_psnr_of_a_known_error():
    target = torch.zeros(2, 24, 24)
    torch.testing.assert_close(la.psnr(target + 0.1, target), torch.full((2,), 20.0))


def test_ssim_is_one_on_equal_images_and_matches_the_one_window_formula():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.rand(3, 11, 11, generator=gen), torch.rand(3, 11, 11, generator=gen)
    torch.testing.assert_close(la.ssim(x, x), torch.ones(3))
    w = _gaussian_window()[0, 0]
    mx, my = (w * x).sum((1, 2)), (w * y).sum((1, 2))
    vx, vy = (w * x * x).sum((1, 2)) - mx**2, (w * y * y).sum((1, 2)) - my**2
    cov = (w * x * y).sum((1, 2)) - mx * my
    c1, c2 = 0.01**2, 0.03**2
    expect = (2 * mx * my + c1) * (2 * cov + c2) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    torch.testing.assert_close(la.ssim(x, y), expect, atol=1e-5, rtol=0)
    assert float(la.ssim(x, y).max()) < 0.5


def test_pixel_rotation_is_near_exact_without_occluder_and_wrong_with_it(digits):
    plain = la.heldout_triples(digits[1][:100], occluded=False)
    blocked = la.heldout_triples(digits[1][:100], occluded=True)
    assert float(la.psnr(la.pixel_action(plain.x, plain.theta), plain.gx).mean()) > 30
    assert float(la.psnr(la.pixel_action(blocked.x, blocked.theta), blocked.gx).mean()) < 20


def test_occluded_latent_model_beats_the_pixel_action_on_heldout_digits(digits, occluded_model):
    metrics = la.heldout_metrics(occluded_model, digits[1], occluded=True, draws=1)
    assert metrics["latent"]["psnr"] > metrics["pixel"]["psnr"] + 1.0
    assert metrics["latent"]["psnr"] > metrics["identity"]["psnr"]


def test_composition_in_latent_space_is_exact_and_beats_composed_pixels(digits, occluded_model):
    comp = la.composition_metrics(occluded_model, digits[1][:200], occluded=True)
    assert comp["code_difference"]["sequential_vs_composed"] < 1e-5
    seq, one = comp["latent_sequential"]["psnr"], comp["latent_composed"]["psnr"]
    assert abs(seq - one) < 1e-3
    assert seq > comp["pixel_sequential"]["psnr"]
    assert comp["code_difference"]["reencoded_vs_acted"] > 0


@pytest.mark.skipif(
    not (get_settings().checkpoint_dir / CHECKPOINT_NAME).is_file(), reason="no shipped model"
)
def test_shipped_models_beat_pixels_under_occlusion_and_approach_them_without(digits):
    models = load_models(get_settings().checkpoint_dir / CHECKPOINT_NAME)
    occluded = la.heldout_metrics(models["occluded"], digits[1], occluded=True, draws=1)
    plain = la.heldout_metrics(models["plain"], digits[1], occluded=False, draws=1)
    assert occluded["latent"]["psnr"] > occluded["pixel"]["psnr"] + 4
    assert occluded["latent"]["ssim"] > occluded["pixel"]["ssim"]
    assert plain["latent"]["psnr"] > plain["identity"]["psnr"] + 5
    assert plain["latent"]["psnr"] < plain["pixel"]["psnr"]
