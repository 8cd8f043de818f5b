"""CoGS: the loss identity, ring homomorphisms, the constructions and their analysis."""

import numpy as np
import pytest

from models.aux.cogs import (
    MONOMIALS,
    AbelianGroup,
    Partial,
    Weights,
    accuracy,
    analyse,
    construct,
    fourier_loss_terms,
    homomorphism_errors,
    projected_loss,
    remove_frequency,
    to_fourier,
    z_nu,
    z_syn,
    z_xi,
)
from models.aux.cogs.constructions import cancel_class_bias
from models.aux.cogs.model import hidden

ZERO_SPS = set(MONOMIALS) - {"abc"}
R_N = {"|a|^2 c", "|b|^2 c"}


def random_weights(group, q=5, seed=0):
    rng, d = np.random.default_rng(seed), group.order
    return Weights(rng.normal(size=(q, d)), rng.normal(size=(q, d)), rng.normal(size=(d, q)))


def vanishing(partial):
    return {n for n in MONOMIALS if abs(partial.potential(n)) < 1e-12}


@pytest.mark.parametrize("moduli", [(7,), (3, 5), (4, 2)])
def test_sum_potential_form_equals_the_projected_loss(moduli):
    group = AbelianGroup(moduli)
    weights = random_weights(group)
    loss = projected_loss(weights, group)
    assert loss > 0.1
    assert fourier_loss_terms(to_fourier(weights, group), group).sum() == pytest.approx(
        loss, rel=1e-12
    )


@pytest.mark.parametrize("moduli", [(7,), (3, 3)])
def test_sum_potentials_are_ring_homomorphisms(moduli):
    errors = homomorphism_errors(AbelianGroup(moduli))
    assert set(errors) == {"network_add", "network_mul", "partial_add", "partial_mul"}
    assert max(errors.values()) < 1e-12


def test_the_generators_kill_the_sums_the_paper_assigns_them():
    assert vanishing(z_syn()) == ZERO_SPS - {"aac", "bbc"}
    assert {"aac", "bbc"} <= vanishing(z_nu(0.7 + 0.3j))
    assert vanishing(z_xi(np.exp(0.4j))) == {"ab conj(c)"}
    assert vanishing(z_nu(0.7 + 0.3j) * z_syn()) == ZERO_SPS
    assert (z_nu(0.7 + 0.3j) * z_syn()).potential("abc") == pytest.approx(6)


def test_order_four_meets_r_c_and_r_star_but_not_r_n():
    f4 = z_nu(1j) * z_xi(np.exp(0.4j))
    assert vanishing(f4) == ZERO_SPS - R_N
    assert abs(f4.potential("|a|^2 c")) > 1


def test_unnormalisable_partials_are_refused():
    with pytest.raises(ValueError, match="real and positive"):
        Partial(np.array([[1], [1], [-1]], dtype=complex)).normalised()


@pytest.mark.parametrize("moduli", [(23,), (5, 5)])
@pytest.mark.parametrize("order", [6, 4])
def test_constructions_reach_zero_loss_and_full_accuracy(moduli, order):
    group = AbelianGroup(moduli)
    built = construct(group, order, seed=3)
    pairs = (group.order - 1) // 2
    assert built.weights.num_nodes == (6 * pairs if order == 6 else 2 * group.order)
    assert projected_loss(built.weights, group) < 1e-24
    assert accuracy(built.weights, group) == 1.0


def test_order_four_needs_the_cross_frequency_cancellation():
    group = AbelianGroup((11,))
    built = construct(group, 4)
    total = hidden(built.weights.select(np.arange(6))).sum(axis=-1)
    assert np.ptp(total) < 1e-12 * total.mean()
    undo = built.weights.w_c.copy()
    undo[:, :6] = construct(group, 6, seed=0).weights.w_c[:, :6]  # no bias vector
    assert projected_loss(Weights(built.weights.w_a, built.weights.w_b, undo), group) > 1e-3
    with pytest.raises(ValueError, match=r"\|nu\| = 1"):
        construct(group, 4, buffer_nu=0.5 + 0.5j)


def test_cancel_class_bias_zeroes_the_mean_output():
    group = AbelianGroup((11,))
    built = construct(group, 4)
    weights = cancel_class_bias(built.weights, np.arange(6), group)
    np.testing.assert_allclose(weights.w_c, built.weights.w_c, atol=1e-12)


@pytest.mark.parametrize("moduli", [(23,), (5, 5)])
def test_removing_a_frequency_costs_exactly_its_term(moduli):
    group = AbelianGroup(moduli)
    built = construct(group, 6, seed=2)
    for k in group.frequency_pairs():
        reduced = remove_frequency(built, k)
        assert projected_loss(reduced, group) == pytest.approx(2 / group.order, abs=1e-12)
        terms = fourier_loss_terms(to_fourier(reduced, group), group)
        assert terms[k] == pytest.approx(1 / group.order, abs=1e-12)


def test_even_groups_and_large_groups_are_refused():
    with pytest.raises(ValueError, match="odd group order"):
        construct(AbelianGroup((4, 6)), 6)
    with pytest.raises(ValueError, match="exceeds"):
        AbelianGroup((200,))
    with pytest.raises(ValueError, match="w_c"):
        Weights(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 3)))


@pytest.mark.parametrize("order", [6, 4])
def test_analysis_recognises_the_constructed_types(order):
    group = AbelianGroup((11,))
    result = analyse(construct(group, order, seed=5).weights, group)
    kinds = [f.kind for f in result.frequencies]
    assert result.match_fraction() == 1.0
    assert result.loss < 1e-20
    if order == 6:
        assert set(kinds) == {"order-6 z_nu*z_syn"}
    else:
        assert kinds.count("order-6 z_nu*z_syn") == 1
        assert kinds.count("order-4 z_{nu=i}*z_xi") == len(kinds) - 1


def test_analysis_rejects_random_weights():
    group = AbelianGroup((11,))
    result = analyse(random_weights(group, q=30), group)
    assert result.match_fraction() < 0.5
