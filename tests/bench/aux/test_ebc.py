"""``qsdiff bench aux ebc --quick --diagnose`` prints every measurement, EbC beside its ablation."""

from __future__ import annotations

import json
import math

import pytest

from tests.helpers import run_qsdiff

pytestmark = pytest.mark.slow  # a full training run, however small: make test-slow

MEASUREMENTS = {"r2", "equivariance_error", "latent_equivariance_error", "homomorphism_error"}


def test_quick_bench_prints_the_report():
    done = run_qsdiff("bench", "aux", "ebc", "--quick", "--diagnose")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["quick"] is True
    assert report["threads"] == 1
    assert set(report["settings"]) == {"latent", "shapes"}
    claims = {"ebc_identifies_latents", "ablation_fails_r2", "ablation_fails_latent_equivariance"}
    automorphism = {
        "ebc_identifies_latents_up_to_automorphism",
        "ablation_fails_up_to_automorphism",
    }
    arms = {
        "latent": ("ebc", "ebc_with_solve_gradient", "identity_ablation"),
        "shapes": ("ebc", "ebc_without_solve_gradient", "identity_ablation", "ebc_at_latent_dim"),
    }
    for name, setting in report["settings"].items():
        for arm in arms[name]:
            assert set(setting[arm]) >= MEASUREMENTS
            assert all(math.isfinite(setting[arm][key]) for key in MEASUREMENTS)
            assert setting[arm]["r2"] <= 1.0
        assert set(setting["claims"]) == (claims | automorphism if name == "shapes" else claims)
    diagnosis = report["diagnosis"]
    starts = ("true_latent_start", "from_random", "from_true_latents", "full_world_regressed")
    fits = (
        "from_random",
        "from_true_latents",
        "from_random_with_solve_gradient",
        "full_world_from_regressed",
    )
    for start in (*starts, "full_world_from_regressed", "full_world_spectrum_only"):
        assert len(diagnosis[start]["r2_per_latent"]) == 6
    for arm in (*fits, "full_world_spectrum_only"):
        assert math.isfinite(diagnosis[arm]["final_loss"])
        assert diagnosis[arm]["position_share"] <= 1.0
        assert sum(diagnosis[arm]["variance_shares"]) == pytest.approx(1.0, abs=0.01)
        twisted = diagnosis[arm]["twisted"]
        circles = ("orientation", "x", "y")
        assert [twisted[c]["character"][i] for i, c in enumerate(circles)] == [1, 1, 1]
        assert all(twisted[c]["r2"] <= 1.0 for c in twisted)
    assert report["settings"]["shapes"]["ebc"]["position_share"] <= 1.0
    assert "position_share" not in report["settings"]["latent"]["ebc"]
    # blind to shifts, the spectrum encoder's embedding varies least with the positions
    blind = diagnosis["full_world_spectrum_only"]["position_share"]
    assert blind < diagnosis["full_world_from_regressed"]["position_share"]
    assert diagnosis["true_latent_start"]["r2"] > 0.9  # the regression start sees every latent
