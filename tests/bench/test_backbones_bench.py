"""``qsdiff bench backbones``, briefly, on a tiny untrained checkpoint."""

import json
import math

import pytest

from service.config import Settings
from tests.api.cli.test_backbones import save_tiny_backbone_checkpoint
from tests.helpers import run_qsdiff


@pytest.mark.skipif(
    not (Settings().data_dir / "proteins" / "ts50.npz").is_file(), reason="protein data missing"
)
def test_a_short_run_reports_every_metric_beside_the_reference(tmp_path):
    checkpoint = save_tiny_backbone_checkpoint(tmp_path / "backbone-quotient.pt")
    done = run_qsdiff(
        "bench", "backbones", "--checkpoints", str(checkpoint), "--lengths", "20",
        "--n", "2", "--steps", "2", "--denoising",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    row = report["methods"]["backbone-quotient"]["lengths"]["20"]
    assert row["chains"] == 2
    assert row["torsion_w1"] > 0
    assert 0 < row["novelty_max_tm"] <= 1
    assert abs(report["reference_set"]["mean_ca_distance"] - 3.80) < 0.05
    profile = report["methods"]["backbone-quotient"]["denoising"]
    assert list(profile) == ["0.5", "0.7", "0.8", "0.9", "0.95", "0.98"]
    # near the data the noised chains keep their spacing; half-way they are far from it
    assert abs(profile["0.98"]["noised"]["mean_ca_distance"] - 3.8) < 0.2
    assert profile["0.5"]["noised"]["mean_ca_distance"] > 8.0
    # the prediction is the network's, not the noised input handed on
    assert all(row["predicted"] != row["noised"] for row in profile.values())
    assert all(math.isfinite(v) for row in profile.values() for v in row["predicted"].values())
