"""``qsdiff bench aux latent --quick``: the JSON report, side by side, with its claims."""

import json

import pytest

from tests.helpers import run_qsdiff

pytestmark = pytest.mark.slow  # a full training run, however small: make test-slow


def test_quick_bench_reports_both_settings_beside_the_pixel_baseline():
    done = run_qsdiff("bench", "aux", "latent", "--quick", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["threads"] == 1
    assert report["steps_per_model"] == 150
    assert report["quick"] is True
    for name in ("plain", "occluded"):
        setting = report["settings"][name]
        for method in ("latent", "pixel", "identity"):
            assert 0 < setting[method]["psnr"] < 60
            assert -1 <= setting[method]["ssim"] <= 1
        assert setting["composition"]["code_difference"]["sequential_vs_composed"] < 1e-5
    assert report["settings"]["plain"]["pixel"]["psnr"] > 30
    assert report["claims"]["latent_composition_exact"] is True
    assert {"occluded_latent_beats_pixel_psnr", "plain_latent_beats_identity_psnr"} <= set(
        report["claims"]
    )


def test_bad_steps_exit_2():
    done = run_qsdiff("bench", "aux", "latent", "--steps", "0")
    assert done.returncode == 2
    assert "--steps" in done.stderr
