"""equitune / equizero / λ-equitune: group actions, exact invariance, tie-breaks, small training."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from models.aux.equizero import (
    GROUPS,
    METHODS,
    DigitCNN,
    EquizeroTrainConfig,
    LambdaNet,
    MoleculeMLP,
    cube_rotations,
    gyration_radius,
    molecule_inputs,
    orbit_outputs,
    orbit_predictions,
    orbit_scores,
    train_classifier,
    train_lambda,
    wrap,
)

WRAPPERS = {
    "equitune": ("equitune", "max_prob"),
    "equizero": ("equizero", "max_prob"),
    "equizero_entropy": ("equizero", "entropy"),
    "equizero_lambda": ("equizero", "lambda"),
    "lambda_equitune": ("lambda_equitune", "max_prob"),
}


def _probe(name: str) -> torch.Tensor:
    gen = torch.Generator().manual_seed(0)
    return torch.rand((1, 5, 8) if name == "o" else (1, 8, 8), generator=gen)


@pytest.mark.parametrize(("name", "order"), [("c4", 4), ("d4", 8), ("o", 24)])
def test_groups_are_groups(name, order):
    group = GROUPS[name]()
    table = group.table(_probe(name))
    assert group.order == order == len(set(group.element_names))
    assert (table[0] == np.arange(order)).all()
    assert (table[:, 0] == np.arange(order)).all()
    for row in (*table, *table.T):
        assert sorted(row) == list(range(order))  # Latin square: every element has an inverse
    for a, b, c in itertools.product(range(order), repeat=3):
        assert table[table[a, b], c] == table[a, table[b, c]]


def test_d4_is_not_abelian_and_c4_is():
    assert (GROUPS["c4"]().table(_probe("c4")) == GROUPS["c4"]().table(_probe("c4")).T).all()
    d4 = GROUPS["d4"]().table(_probe("d4"))
    assert not (d4 == d4.T).all()


def test_cube_rotations_are_proper_rotations_of_coordinates_only():
    group = cube_rotations()
    rows = _probe("o")
    for k in range(group.order):
        moved = group.act(rows, k)
        torch.testing.assert_close(moved[..., 3:], rows[..., 3:], rtol=0, atol=0)
        mat = torch.linalg.lstsq(rows[0, :, :3], moved[0, :, :3]).solution.T
        torch.testing.assert_close(mat @ mat.T, torch.eye(3), atol=1e-5, rtol=0)
        assert torch.linalg.det(mat) == pytest.approx(1.0, abs=1e-5)


def _wrapped_logits(model, group, x, method, proxy, lam):
    """``[G, B, C]``: the wrapper's logits on every ``h x``, each computed from scratch."""
    outs = []
    for h in range(group.order):
        phi, logits = orbit_outputs(model, group, group.act(x, h))
        outs.append(wrap(method, phi, logits, lam, proxy).logits)
    return torch.stack(outs)


@pytest.mark.parametrize("name", ["c4", "d4", "o"])
def test_wrappers_are_exactly_invariant_and_the_model_is_not(name):
    torch.manual_seed(0)
    group = GROUPS[name]()
    if name == "o":
        model, x = MoleculeMLP(atoms=5, row=8), torch.randn(16, 5, 8)
    else:
        model, x = DigitCNN(), torch.rand(16, 8, 8)
    lam = LambdaNet(model.head.in_features)
    with torch.no_grad():
        for method, proxy in WRAPPERS.values():
            logits = _wrapped_logits(model, group, x, method, proxy, lam)
            assert torch.equal(logits, logits[:1].expand_as(logits)), (method, proxy)
        bare = _wrapped_logits(model, group, x, "model", "max_prob", lam)
    assert not torch.allclose(bare, bare[:1].expand_as(bare), atol=1e-3)


def test_equizero_breaks_ties_by_the_outputs_not_the_order():
    # g0 and g1 are equally confident but disagree on the class; g2, g3 are less confident.
    logits = torch.tensor([[4.0, 0, 0], [0, 4.0, 0], [1.0, 0, 0], [0, 0, 1.0]]).unsqueeze(1)
    phi = torch.zeros(4, 1, 2)
    answers, naive = set(), set()
    for shift in range(4):  # the orbit of h x lists the same outputs in another order
        rolled = logits.roll(shift, dims=0)
        out = wrap("equizero", phi, rolled)
        answers.add(int(out.logits.argmax()))
        assert int(out.weights[0].argmax()) == int(out.chosen[0])
        loss = -rolled.log_softmax(-1).amax(-1)
        naive.add(int(rolled[loss.argmin(0), 0].argmax()))
    assert answers == {1}  # lexicographic: (0, 4, 0) < (4, 0, 0)
    assert naive == {0, 1}  # argmin's first index would make the answer depend on h


def test_equitune_is_lambda_equitune_with_constant_lambda():
    torch.manual_seed(1)
    phi, logits = torch.randn(8, 5, 6), torch.randn(8, 5, 10)
    lam = LambdaNet(6)
    torch.nn.init.zeros_(lam.net[2].weight)
    with torch.no_grad():
        weighted = wrap("lambda_equitune", phi, logits, lam)
    plain = wrap("equitune", phi, logits)
    torch.testing.assert_close(weighted.logits, plain.logits)
    torch.testing.assert_close(weighted.weights, plain.weights)


def test_unknown_method_or_proxy_is_refused():
    phi, logits = torch.zeros(4, 2, 3), torch.zeros(4, 2, 5)
    with pytest.raises(ValueError, match="unknown method"):
        wrap("vote", phi, logits)
    with pytest.raises(ValueError, match="unknown proxy"):
        wrap("equizero", phi, logits, proxy="lambda")  # no LambdaNet
    assert set(METHODS) == {"model", "equitune", "equizero", "lambda_equitune"}


def test_molecule_rows_are_centred_one_hot_and_checked():
    charges = np.array([[6, 8, 0]])
    positions = np.array([[[1.0, 0, 0], [3.0, 0, 0], [9.0, 9, 9]]])
    rows = molecule_inputs(charges, positions)
    torch.testing.assert_close(rows[0, :, :3], torch.tensor([[-1.0, 0, 0], [1, 0, 0], [0, 0, 0]]))
    assert rows[0, :, 3:].tolist() == [[0, 1, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0]]
    assert gyration_radius(rows).item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="atomic numbers"):
        molecule_inputs(np.array([[6, 17]]), np.zeros((1, 2, 3)))


@pytest.fixture(scope="module")
def trained_digits():
    """M for 6 epochs and a C4 λ for 10 epochs on upright digits: a few seconds."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = torch.tensor(digits.images / 16, dtype=torch.float32)
    y = torch.tensor(digits.target)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    train, test = perm[:1200], perm[1200:1400]
    torch.manual_seed(0)
    model = DigitCNN()
    train_classifier(model, x[train], y[train], EquizeroTrainConfig(epochs=6))
    group = GROUPS["c4"]()
    lam = LambdaNet(model.head.in_features)
    train_lambda(
        model, lam, group, x[train], y[train], EquizeroTrainConfig(epochs=10, batch_size=128)
    )
    variants = {"model": ("model", "max_prob"), **WRAPPERS}
    preds = orbit_predictions(model, group, x[test], variants, lam)
    return {name: orbit_scores(p, y[test]) for name, p in preds.items()}


def test_upright_model_is_accurate_upright_but_not_on_rotations(trained_digits):
    model = trained_digits["model"]
    assert model.accuracy_upright > 0.9
    assert model.accuracy_orbit < 0.6
    assert model.orbit_consistency < 0.5


def test_every_wrapper_is_orbit_consistent_on_digits(trained_digits):
    for name in WRAPPERS:
        assert trained_digits[name].orbit_consistency == 1.0, name
        assert trained_digits[name].accuracy_upright == trained_digits[name].accuracy_orbit


def test_learnt_lambda_recovers_rotated_digits(trained_digits):
    lam = trained_digits["lambda_equitune"]
    assert lam.accuracy_orbit > 0.85
    assert lam.accuracy_orbit > trained_digits["equitune"].accuracy_orbit + 0.3
    assert lam.accuracy_orbit > trained_digits["model"].accuracy_orbit + 0.3
