"""``qsdiff bench aux cogs --quick``: every measured claim is in the JSON and holds."""

import json

import pytest

from tests.helpers import run_qsdiff

pytestmark = pytest.mark.slow  # a full training run, however small: make test-slow


@pytest.fixture(scope="module")
def report():
    done = run_qsdiff("bench", "aux", "cogs", "--quick")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_the_report_states_its_budget_and_threads(report):
    assert report["quick"] is True
    assert report["threads"] == 1


@pytest.mark.parametrize("group", ["23", "5x5"])
def test_constructions_and_identities_hold(report, group):
    row = report["groups"][group]
    assert max(row["homomorphism_relative_error"].values()) < 1e-12
    assert row["loss_identity_relative_gap"] < 1e-12
    for order in ("order_6", "order_4"):
        built = row["constructions"][order]
        assert built["projected_loss"] < 1e-20
        assert built["accuracy"] == 1.0
        assert built["removal_max_gap_to_sp_term"] < 1e-12
    four = row["constructions"]["order_4"]
    assert four["removal_delta_min"] > four["two_over_d"]  # the buffer's bias vector remains
    assert four["buffer_removal_delta"] > four["removal_delta_max"]
    six = row["constructions"]["order_6"]
    assert six["removal_delta_min"] == pytest.approx(six["two_over_d"], abs=1e-12)
    assert six["removal_delta_max"] == pytest.approx(six["two_over_d"], abs=1e-12)


def test_gradient_descent_finds_the_constructed_types(report):
    (run,) = report["gradient_descent"]["runs"]["23"]
    assert run["accuracy"] == 1.0
    assert run["match_fraction"] >= 0.7
