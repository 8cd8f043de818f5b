"""``qsdiff bench aux ebc --quick`` runs and prints every measurement, EbC beside its ablation."""

from __future__ import annotations

import json
import math

import pytest

from tests.helpers import run_qsdiff

pytestmark = pytest.mark.slow  # a full training run, however small: make test-slow

MEASUREMENTS = {"r2", "equivariance_error", "latent_equivariance_error", "homomorphism_error"}


def test_quick_bench_prints_the_report():
    done = run_qsdiff("bench", "aux", "ebc", "--quick")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["quick"] is True
    assert report["threads"] == 1
    assert set(report["settings"]) == {"latent", "shapes"}
    for setting in report["settings"].values():
        for arm in ("ebc", "identity_ablation"):
            assert set(setting[arm]) >= MEASUREMENTS
            assert all(math.isfinite(setting[arm][key]) for key in MEASUREMENTS)
            assert setting[arm]["r2"] <= 1.0
        assert set(setting["claims"]) == {
            "ebc_identifies_latents",
            "ablation_fails_r2",
            "ablation_fails_latent_equivariance",
        }
