"""EbC: groups, worlds, the least-squares representation, the objective, and a small fit."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from models.aux.ebc import (
    EbcConfig,
    Encoder,
    SpectrumEncoder,
    explained_share,
    fit,
    infonce,
    latent_r2,
    linear_r2,
    load_encoder,
    make_world,
    measure,
    rotations_translations,
    save_encoder,
    signed_permutations,
    solve_representation,
    twisted_r2,
    variance_shares,
)
from models.aux.ebc.metrics import best_twists
from models.aux.ebc.train import _held_out, step_loss


@pytest.mark.parametrize("group", [signed_permutations(3), rotations_translations(8, 4)])
def test_compose_is_the_matrix_product(group):
    rng = np.random.default_rng(0)
    a, b = group.sample(50, rng), group.sample(50, rng)
    product = group.rho[a] @ group.rho[b]
    np.testing.assert_allclose(group.rho[group.compose(a, b)], product, atol=1e-12)
    np.testing.assert_array_equal(group.rho[0], np.eye(group.dim))


def test_group_orders_and_non_abelian():
    b3 = signed_permutations(3)
    assert (b3.order, rotations_translations(8, 4).order) == (48, 128)
    a, b = np.arange(b3.order).repeat(b3.order), np.tile(np.arange(b3.order), b3.order)
    assert (b3.compose(a, b) != b3.compose(b, a)).any()


def test_shift_of_the_shapes_world_is_a_cyclic_roll():
    world = make_world("shapes")
    s = world.sample(5, np.random.default_rng(1))
    y = world.observe(s).reshape(5, 16, 16)
    shift_x = 1 * 4 + 0  # (r, a, b) = (0, 1, 0): a quarter of the canvas along x
    moved = world.observe(world.act(np.full(5, shift_x), s)).reshape(5, 16, 16)
    np.testing.assert_array_equal(moved, np.roll(y, 4, axis=2))
    turned = world.observe(world.act(np.full(5, 16), s))  # r = 1: a real change
    assert np.abs(turned - y.reshape(5, -1)).max() > 0.5


def test_least_squares_recovers_a_known_linear_representation():
    gen = torch.Generator().manual_seed(0)
    r = torch.randn(5, 4, 4, generator=gen, dtype=torch.float64)  # general linear
    x = torch.randn(5, 9, 4, generator=gen, dtype=torch.float64)
    x_prime = torch.einsum("sij,snj->sni", r, x)
    torch.testing.assert_close(solve_representation(x, x_prime), r, atol=1e-10, rtol=0)


def test_least_squares_maps_rank_deficient_embeddings_in_every_system():
    gen = torch.Generator().manual_seed(0)
    r = torch.randn(3, 4, 4, generator=gen, dtype=torch.float64)
    x = torch.randn(3, 9, 4, generator=gen, dtype=torch.float64)
    x[..., 0] = 0.0  # a collapsed embedding direction
    x_prime = torch.einsum("sij,snj->sni", r, x)
    solved = solve_representation(x, x_prime)
    torch.testing.assert_close(torch.einsum("sij,snj->sni", solved, x), x_prime, atol=1e-10, rtol=0)


def test_infonce_prefers_the_true_partner():
    gen = torch.Generator().manual_seed(0)
    anchor, negatives = torch.randn(16, 3, generator=gen), torch.randn(16, 3, generator=gen)
    right = infonce(anchor, anchor + 0.01, negatives, 1.0)
    wrong = infonce(anchor, anchor.roll(1, 0), negatives, 1.0)
    assert right < wrong - 1.0


def test_infonce_is_bounded_below_when_predictions_are_exact():
    """Exact partners and ever farther negatives: the loss falls towards 0, never below."""
    gen = torch.Generator().manual_seed(0)
    anchor, negatives = torch.randn(16, 3, generator=gen), torch.randn(16, 3, generator=gen)
    losses = [float(infonce(scale * anchor, scale * anchor, scale * negatives, 1.0))
              for scale in (1.0, 10.0, 1000.0)]  # fmt: skip
    assert losses[0] > losses[1] > losses[2] >= 0.0
    assert losses[0] > 0.5


def test_shapes_outlines_are_point_symmetric_and_their_angles_turn_the_image():
    """Each outline equals its half-turn, differs from its quarter-turn, and the angle index
    ``i + angles / 2`` (orientation plus ``pi / 2``) is the image turned a quarter."""
    world = make_world("shapes")
    quarter = world.angles // 2
    for outline in world.table:  # [angles, size, size], centred on the canvas' corner
        for i in (0, 3):
            image = outline[i]
            np.testing.assert_allclose(np.rot90(image, 2), image, atol=1e-5)
            assert np.abs(np.rot90(image) - image).max() > 0.5
            turned = min(np.abs(np.rot90(image, k) - outline[i + quarter]).max() for k in (1, 3))
            assert turned < 1e-5


def test_linear_r2_is_one_for_linear_maps_and_near_zero_for_noise_per_latent_too():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(400, 3))
    x = z @ rng.normal(size=(3, 3)) + 2.0
    assert linear_r2(x[:200], z[:200], x[200:], z[200:]) == pytest.approx(1.0)
    noise = rng.normal(size=(400, 3))
    assert linear_r2(noise[:200], z[:200], noise[200:], z[200:]) < 0.1
    half = np.concatenate([z[:, :1], noise[:, 1:]], axis=1)  # only the first latent is seen
    per_latent = latent_r2(half[:200], z[:200], half[200:], z[200:])
    assert per_latent[0] == pytest.approx(1.0)
    assert (per_latent[1:] < 0.1).all()


def test_a_sheared_orientation_is_missed_by_the_true_latents_and_found_up_to_the_shear():
    """The orientation's sign flipping with each quarter shift along x: ``k = (1, 2, 0)``."""
    rng = np.random.default_rng(0)
    mixing = rng.normal(size=(6, 6))

    def scenes(k: int) -> tuple[np.ndarray, np.ndarray]:
        steps = np.stack([rng.integers(0, order, k) for order in (8, 4, 4)], axis=1)
        theta = 2 * np.pi * steps / np.array([8, 4, 4])
        circles = np.stack([theta[:, 0] + 2 * theta[:, 1], theta[:, 1], theta[:, 2]], axis=1)
        x = np.concatenate([np.cos(circles), np.sin(circles)], axis=1) @ mixing
        return x, theta

    (x_fit, theta_fit), (x_test, theta_test) = scenes(1000), scenes(1000)
    true = np.concatenate([np.cos(theta_fit[:, :1]), np.sin(theta_fit[:, :1])], axis=1)
    true_test = np.concatenate([np.cos(theta_test[:, :1]), np.sin(theta_test[:, :1])], axis=1)
    assert (latent_r2(x_fit, true, x_test, true_test) < 0.05).all()
    found = best_twists(x_fit, theta_fit, x_test, theta_test, (8, 4, 4))
    assert [k for k, _ in found] == [(1, 2, 0), (0, 1, 0), (0, 0, 1)]
    assert min(r2 for _, r2 in found) == pytest.approx(1.0)


def test_each_pair_held_out_in_turn_is_predicted_from_all_the_others():
    config = EbcConfig(setting="latent", dim=2, references=5, held_out="each")
    anchors, references = _held_out(config)
    assert anchors.tolist() == list(range(6))
    for anchor, others in zip(anchors.tolist(), references.tolist(), strict=True):
        assert sorted(others) == [i for i in range(6) if i != anchor]
    one = _held_out(EbcConfig(setting="latent", dim=2, references=5, held_out="one"))
    assert (one[0].tolist(), one[1].tolist()) == ([0], [[1, 2, 3, 4, 5]])
    torch.manual_seed(0)
    encoder = Encoder(config.world().obs_dim, 2, 16)
    loss = step_loss(encoder, config.world(), config, np.random.default_rng(0))
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad.abs().sum() > 0 for p in encoder.parameters())


def test_explained_share_is_one_for_functions_of_the_label_and_small_for_noise():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, size=2000)
    table = rng.normal(size=(10, 3))
    assert explained_share(table[labels], labels) == pytest.approx(1.0)
    assert explained_share(rng.normal(size=(2000, 3)), labels) < 0.02


def test_variance_shares_sum_to_one_and_show_a_collapsed_embedding():
    world = make_world("shapes", seed=0)
    torch.manual_seed(0)
    encoder = Encoder(world.obs_dim, 6, 32)
    shares = variance_shares(encoder, world, samples=500)
    assert sum(shares) == pytest.approx(1.0)
    assert list(shares) == sorted(shares, reverse=True)
    assert min(shares) > 1e-4  # a random encoder spreads over all six directions
    with torch.no_grad():
        encoder.net[-1].weight[4:] = 0.0  # two outputs that no longer vary
    assert max(variance_shares(encoder, world, samples=500)[4:]) < 1e-10


def test_spectrum_encoder_is_blind_to_shifts_but_not_to_orientation():
    world = make_world("shapes")
    torch.manual_seed(0)
    encoder = SpectrumEncoder(world.obs_dim, 6, 32)
    outline = world.table[0]  # [angles, size, size]
    moved = np.roll(outline[0], (5, -3), axis=(0, 1))
    x = encoder(torch.from_numpy(np.stack([outline[0], moved, outline[3]]).reshape(3, -1)))
    torch.testing.assert_close(x[1], x[0], rtol=1e-4, atol=1e-5)
    assert (x[2] - x[0]).abs().max() > 1e-3
    with pytest.raises(ValueError, match="not a square image"):
        SpectrumEncoder(250, 6, 32)


def test_small_fit_identifies_the_latents_and_the_identity_ablation_does_not(tmp_path):
    base = {"setting": "latent", "dim": 2, "steps": 600, "systems": 32}  # R^2 0.80-0.89, 6 seeds
    measured = {}
    for identity in (False, True):
        config = EbcConfig(**base, identity=identity)
        result = fit(config)
        measured[identity] = measure(
            result.encoder, config.world(), samples=800, elements=16, references=16
        )
    ebc, ablation = measured[False], measured[True]
    assert ebc.r2 > 0.7
    assert ablation.r2 < ebc.r2 - 0.25
    assert ablation.latent_equivariance_error > ebc.latent_equivariance_error + 0.3


def test_small_shapes_fit_finds_the_orientation_up_to_an_automorphism_given_room():
    # 1,000 steps: twisted orientation R^2 0.972-0.978 over three seeds (ad hoc)
    config = EbcConfig.for_setting("shapes", steps=1000)
    twisted = {}
    for embedding in (16, 6):
        result = fit(replace(config, embedding=embedding))
        twisted[embedding] = twisted_r2(result.encoder, config.world(), samples=1500)
    assert twisted[16]["orientation"]["r2"] > 0.9
    assert min(twisted[16][c]["r2"] for c in ("x", "y")) > 0.95
    assert twisted[6]["orientation"]["r2"] < 0.75  # in the latent dimension: cos 2 phi at most


def test_the_gradient_flows_through_the_solved_representation_unless_told_not_to():
    losses, grads = {}, {}
    for solve_gradient in (True, False):
        config = EbcConfig(setting="latent", dim=2, systems=8, solve_gradient=solve_gradient)
        torch.manual_seed(0)
        encoder = Encoder(config.world().obs_dim, 2, 16)
        loss = step_loss(encoder, config.world(), config, np.random.default_rng(0))
        loss.backward()
        losses[solve_gradient] = loss.item()
        grads[solve_gradient] = torch.cat([p.grad.flatten() for p in encoder.parameters()])
    assert losses[True] == pytest.approx(losses[False])  # the same loss, differentiated two ways
    assert not torch.allclose(grads[True], grads[False])


def test_cancelled_fit_stops_and_a_saved_encoder_loads_back(tmp_path):
    config = EbcConfig(setting="latent", dim=2, steps=20, systems=8)
    assert fit(config, cancelled=lambda: True) is None
    done: list[int] = []
    result = fit(config, progress=done.append)
    assert sum(done) == 20
    save_encoder(result, tmp_path / "encoder.pt")
    encoder, loaded = load_encoder(tmp_path / "encoder.pt")
    y = torch.from_numpy(config.world().observe(config.world().sample(7, np.random.default_rng(0))))
    assert loaded == config
    torch.testing.assert_close(encoder(y), result.encoder(y))


def test_the_shapes_default_to_a_wider_embedding_and_the_gradient_through_r():
    shapes = EbcConfig.for_setting("shapes")
    assert (shapes.steps, shapes.systems) == (5000, 32)
    assert (shapes.latent_dim, shapes.embedding_dim, shapes.num_references) == (6, 16, 32)
    assert shapes.solve_gradient
    latent = EbcConfig.for_setting("latent", dim=3)
    assert (latent.steps, latent.embedding_dim, latent.num_references) == (15000, 3, 6)
    assert not latent.solve_gradient
    narrow = EbcConfig.for_setting("shapes", embedding=6, solve_gradient=False)
    assert (narrow.embedding_dim, narrow.num_references, narrow.solve_gradient) == (6, 12, False)
    result = fit(EbcConfig.for_setting("shapes", steps=1, systems=4))
    assert result.encoder.embedding_dim == 16


def test_an_encoder_stored_before_the_embedding_field_loads_in_the_latent_dimension(tmp_path):
    config = EbcConfig(setting="shapes", steps=1, systems=4, embedding=6)
    result = fit(config)
    save_encoder(result, tmp_path / "encoder.pt")
    stored = torch.load(tmp_path / "encoder.pt", weights_only=True)
    del stored["config"]["embedding"]
    torch.save(stored, tmp_path / "old.pt")
    encoder, loaded = load_encoder(tmp_path / "old.pt")
    assert loaded.embedding_dim == 6
    assert encoder.embedding_dim == 6
