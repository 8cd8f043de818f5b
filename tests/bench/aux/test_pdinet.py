"""``qsdiff bench aux pdinet --quick`` runs end to end and reports both measurements."""

import json

import pytest

from tests.helpers import run_qsdiff

pytestmark = pytest.mark.slow  # a full training run, however small: make test-slow


def test_quick_bench_reports_invariance_and_accuracy():
    done = run_qsdiff("bench", "aux", "pdinet", "--quick")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["threads"] == 1
    errors = report["invariance"]["relative_error"]
    assert errors["normalised_invariants"]["max"] < 0.08
    assert errors["raw_derivatives"]["mean"] > 5 * errors["normalised_invariants"]["mean"]
    models = report["classification"]["models"]
    assert set(models) == {"pdinet", "cnn"}
    for scores in models.values():
        assert set(scores["homography"]) == {"0.5", "1.0", "1.5"}
        assert 0.0 <= scores["upright"] <= 1.0
    ratio = models["cnn"]["parameters"] / models["pdinet"]["parameters"]
    assert 0.5 < ratio < 2.0
    assert models["pdinet"]["upright"] > 0.25  # ten classes: chance is 0.1
