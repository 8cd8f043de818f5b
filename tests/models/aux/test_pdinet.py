"""PDINet: the invariants' count and invariance, exact grid symmetries, small training runs."""

import pytest
import torch

from models.aux.pdinet import (
    CNN,
    CNNConfig,
    InvalidHomography,
    PDILayer,
    PDINet,
    PDINetConfig,
    PDINetTrainConfig,
    accuracy,
    gaussian_jet,
    homography_accuracy,
    invariance_errors,
    load_digits_split,
    normalised_invariants,
    random_homographies,
    reference_jacobian,
    render_cards,
    train_classifier,
    validate_homography,
)


@pytest.mark.parametrize("channels", [2, 3, 5])
def test_invariant_maps_are_6c_minus_5(channels):
    image = torch.rand(2, channels, 16, 16, dtype=torch.float64)
    maps = normalised_invariants(gaussian_jet(image), reference_jacobian(image, (0, 1)))
    assert maps.shape == (2, 6 * channels - 5, 16, 16)
    layer = PDILayer(channels, hidden=8, out_channels=4, sigma=1.0)
    assert layer(image.float(), reference_jacobian(image.float(), (0, 1))).shape == (2, 4, 16, 16)


def test_one_channel_has_no_joint_invariants():
    with pytest.raises(ValueError, match="at least 2 channels"):
        PDILayer(1, hidden=8, out_channels=4, sigma=1.0)


def test_gaussian_derivatives_of_a_ramp():
    ramp = 3 * torch.arange(16, dtype=torch.float64).expand(1, 1, 16, 16)  # 3 per pixel in x
    jet = gaussian_jet(ramp, sigma=1.0)
    inner = (..., slice(5, -5), slice(5, -5))
    torch.testing.assert_close(
        jet.u_x[inner], torch.full_like(jet.u_x[inner], 3.0), atol=1e-3, rtol=0
    )
    assert jet.u_y[inner].abs().max() < 1e-9
    assert jet.u_xx[inner].abs().max() < 1e-9


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_normalised_maps_are_invariant_and_raw_ones_are_not(seed):
    h = random_homographies(1, 1.0, torch.Generator().manual_seed(seed))[0]
    errors = invariance_errors(validate_homography(h))
    assert errors.num_points > 500
    assert errors.normalised_invariants < 0.06
    assert errors.raw_derivatives > 0.15
    assert errors.relative_invariants > 0.1
    assert errors.raw_derivatives > 5 * errors.normalised_invariants


def test_identity_changes_nothing():
    errors = invariance_errors(torch.eye(3, dtype=torch.float64))
    assert errors.raw_derivatives < 1e-12
    assert errors.normalised_invariants < 1e-12


@pytest.mark.parametrize(
    ("matrix", "reason"),
    [
        ([[1, 0, 0], [0, 1, 0], [0, 0, 0]], "singular"),
        ([[1, 2, 0], [2, 4, 0], [0, 0, 1]], "singular"),
        ([[1, 0, 0], [0, 1, 0], [float("nan"), 0, 1]], "non-finite"),
        ([[1, 0, 0], [0, 1, 0], [2.0, 0, 1]], "infinity"),
    ],
)
def test_bad_homographies_are_refused(matrix, reason):
    with pytest.raises(InvalidHomography, match=reason):
        validate_homography(torch.tensor(matrix, dtype=torch.float64))


def test_a_far_away_view_shares_too_few_points():
    shift = torch.tensor([[1, 0, 1.9], [0, 1, 1.9], [0, 0, 1]], dtype=torch.float64)
    with pytest.raises(InvalidHomography, match="interior points"):
        invariance_errors(validate_homography(shift))


def test_grid_symmetries_leave_pdinet_unchanged_but_not_a_cnn():
    torch.manual_seed(0)
    cards = render_cards(load_digits_split().test_images[:8], 20)
    pdinet, cnn = (
        PDINet(PDINetConfig(width=6, hidden=8, num_blocks=1)).eval(),
        CNN(CNNConfig()).eval(),
    )
    for turned in (torch.rot90(cards, 1, (2, 3)), cards.transpose(2, 3), cards.flip(3)):
        with torch.no_grad():
            torch.testing.assert_close(pdinet(turned), pdinet(cards), atol=1e-4, rtol=1e-4)
            assert (cnn(turned) - cnn(cards)).abs().max() > 1e-3


def test_tiny_training_beats_chance():
    torch.manual_seed(0)
    split = load_digits_split()
    train_keep, test_keep = split.train_labels < 2, split.test_labels < 2
    train_labels, test_labels = split.train_labels[train_keep][:200], split.test_labels[test_keep]
    model = PDINet(PDINetConfig(width=8, hidden=16, num_blocks=1, num_classes=2))
    train = render_cards(split.train_images[train_keep][:200], 16)
    config = PDINetTrainConfig(epochs=3, batch_size=32, lr=1e-2)
    losses = train_classifier(model, train, train_labels, config)
    assert losses[-1] < losses[0]
    test = render_cards(split.test_images[test_keep], 16)
    assert accuracy(model, test, test_labels) > 0.75  # chance: about 0.5


def test_trained_upright_pdinet_keeps_its_accuracy_under_homographies_and_a_cnn_does_not():
    """The paper's claim at a small budget: 400 upright cards; the CNN gets 6x the epochs."""
    split = load_digits_split()
    train = render_cards(split.train_images[:400], 24)
    digits, labels = split.test_images[:300], split.test_labels[:300]
    scores = {}
    for name, build, epochs in (
        ("pdinet", lambda: PDINet(PDINetConfig()), 5),
        ("cnn", lambda: CNN(CNNConfig()), 30),
    ):
        torch.manual_seed(0)
        model = build()
        train_classifier(model, train, split.train_labels[:400], PDINetTrainConfig(epochs=epochs))
        upright = accuracy(model, render_cards(digits, 24), labels)
        warped = homography_accuracy(model, digits, labels, 24, strength=1.5, seed=1)
        scores[name] = (upright, warped)
    (pdinet_upright, pdinet_warped), (cnn_upright, cnn_warped) = scores["pdinet"], scores["cnn"]
    assert cnn_upright > 0.9  # the baseline is fitted, not starved
    assert pdinet_warped > cnn_warped + 0.2
    assert pdinet_upright - pdinet_warped < 0.2 < cnn_upright - cnn_warped
