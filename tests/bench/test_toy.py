"""The acceptance of the analytic check: 5k samples a row by default (every margin is wide:
wrong rows' W1 ratios >= 13 against the bar of 5, right rows' KS p >= 0.29, seed 0), and the
benchmark's full size (20k a row) among the slow tests."""

import pytest

from bench.toy import TOY_CASES, TOY_ROWS, run_toy


@pytest.fixture(scope="module", params=[5_000, pytest.param(20_000, marks=pytest.mark.slow)])
def rows(request):
    return run_toy(num_samples=request.param, seed=0)


def test_every_row_is_there(rows):
    assert len(rows) == len(TOY_CASES) * len(TOY_ROWS)


def test_right_pairs_match_the_target(rows):
    matching = [r for r in rows if r["expect"] == "match"]
    failed = [
        (r["case"], r["optimum"], r["sampler"], r["ks_pvalue"])
        for r in matching
        if r["ks_pvalue"] <= 0.01
    ]
    assert not failed


def test_wrong_pairs_are_measurably_wrong(rows):
    wrong = [r for r in rows if r["expect"] == "wrong"]
    assert {r["optimum"] for r in wrong} == {"geodiff", "af3", "quotient"}
    failed = [
        (r["case"], r["optimum"], r["sampler"], r["w1_ratio"]) for r in wrong if r["w1_ratio"] < 5.0
    ]
    assert not failed
