"""``qsdiff bench aux meanfield --quick`` runs as users run it and reports every curve."""

import json

import pytest

from tests.helpers import run_qsdiff

pytestmark = pytest.mark.slow  # a full training run, however small: make test-slow


def test_quick_bench_prints_the_curves():
    done = run_qsdiff("bench", "aux", "meanfield", "--quick", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["benchmark"] == "aux meanfield"
    assert report["sizes"] == [10, 40]
    assert set(report["curves"]) == {"wi", "si", "arbitrary"}
    for curves in report["curves"].values():
        assert set(curves["distance"]) == {"free-da", "free-fa", "da-fa"}
        assert all(len(ys) == 2 for ys in curves["distance"].values())
        assert len(curves["escape_free_from_EG"]) == 2
        assert set(curves["risk"]) == {"free", "da", "fa", "ea"}
    summary = report["summary"]
    assert set(summary["last_over_first"]) == {"wi", "si", "arbitrary"}
    assert len(summary["wi_teacher_ea_risk_over_da_fa"]) == 2
    assert report["subspace"]["fixed_dim"] == 3
    assert "omp_num_threads" in report
