"""``qsdiff bench aux equizero --quick``: every method over C4, D4 and the cube, as JSON."""

import json

import pytest

from service.config import Settings
from tests.helpers import run_qsdiff

pytestmark = pytest.mark.slow  # a full training run, however small: make test-slow

WRAPPERS = ("equitune", "equizero", "equizero_entropy", "equizero_lambda", "lambda_equitune")


@pytest.fixture(scope="module")
def report():
    if not Settings().qm9_npz.is_file():
        pytest.skip("QM9 data missing")
    done = run_qsdiff("bench", "aux", "equizero", "--quick", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_the_report_has_every_method_for_both_image_groups(report):
    assert report["torch_threads"] == 1
    assert report["quick"] is True
    for group in ("c4", "d4"):
        assert set(report["digits"]["scores"][group]) == {"model", *WRAPPERS}


def test_wrappers_are_orbit_consistent_and_the_model_is_not(report):
    for scores in report["digits"]["scores"].values():
        assert scores["model"]["orbit_consistency"] < 0.5
        assert scores["model"]["accuracy_upright"] > 0.9
        for name in WRAPPERS:
            assert scores[name]["orbit_consistency"] == 1.0, name
    molecules = report["molecules"]["scores"]
    assert molecules["model"]["orbit_consistency"] < 0.5
    assert all(s["orbit_consistency"] == 1.0 for k, s in molecules.items() if k != "model")
    assert report["molecules"]["group"].startswith("o: the 24 rotations")


def test_learnt_lambda_recovers_transformed_digits(report):
    for scores in report["digits"]["scores"].values():
        best_fixed = max(scores[k]["accuracy_orbit"] for k in ("model", "equitune", "equizero"))
        assert scores["lambda_equitune"]["accuracy_orbit"] > best_fixed + 0.3
    assert all(report["claims"].values()), report["claims"]
