"""``qsdiff bench backbones``, briefly, on a tiny untrained checkpoint."""

import argparse
import json
import math

import pytest

from bench.backbones import length_requests, sample_lengths
from chem.proteins import load_backbone_set, write_backbone_set
from models.samplers import SamplingConfig
from service.config import Settings
from tests.api.cli.test_backbones import save_tiny_backbone_checkpoint
from tests.helpers import run_qsdiff

TS50 = Settings().data_dir / "proteins" / "ts50.npz"
HEADLINE = ("helix", "strand", "clash_rate", "mean_ca_distance", "median_pairwise_tm_score")


def test_lengths_spread_evenly_and_every_sample_has_its_own_index():
    lengths = sample_lengths(200, 50, 250)
    assert len(lengths) == 200
    assert (lengths[0], lengths[-1]) == (50, 250)
    assert lengths == sorted(lengths)
    args = argparse.Namespace(seed=3, plan="sample", guidance=1.0, relax="ca")
    requests = length_requests(lengths, SamplingConfig("ode", 2), args)
    assert len(requests) == len(set(lengths))
    indices = [r.first_index + i for r in requests for i in range(r.num_backbones)]
    assert indices == list(range(200))
    assert sorted(r.length for r in requests for _ in range(r.num_backbones)) == lengths


@pytest.mark.skipif(not TS50.is_file(), reason="protein data missing")
def test_a_short_run_reports_every_metric_beside_the_reference(tmp_path):
    checkpoint = save_tiny_backbone_checkpoint(tmp_path / "backbone-quotient.pt")
    chains = tmp_path / "tiny.npz"
    write_backbone_set(load_backbone_set(TS50)[:3], chains)
    done = run_qsdiff(
        "bench", "backbones", "--checkpoints", str(checkpoint), "--n", "4",
        "--min-length", "20", "--max-length", "30", "--steps", "2", "--all-helix",
        "--all-helix-n", "2", "--novelty-samples", "1", "--reference", str(chains),
        "--training", str(chains), "--denoising",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert (report["n"], report["lengths"], report["plan"]) == (4, [20, 30], "sample")
    assert report["training"] == report["reference"] == "tiny.npz"
    row = report["methods"]["backbone-quotient"]
    assert all(math.isfinite(row[key]) for key in HEADLINE)
    assert row["coil"] == pytest.approx(1 - row["helix"] - row["strand"])
    assert (row["chains"], row["diversity_samples"], row["novelty_samples"]) == (4, 4, 1)
    assert row["torsion_w1"] > 0
    assert 0 < row["novelty_max_tm"] <= 1
    assert row["ss_conditioned"]
    assert 0 <= row["plan_agreement"] <= 1  # plans drawn from the tiny checkpoint's plan model
    assert row["by_length"]["20-30"]["chains"] == 4
    for asked in ("all_helix", "all_alpha"):
        assert list(row[asked]) == ["n", "length", "plan_helix", "plan_agreement", "helix",
                                    "strand", "clash_rate", "mean_ca_distance",
                                    "as_sampled"]  # fmt: skip
        assert (row[asked]["n"], row[asked]["length"]) == (2, 120)
    assert row["all_helix"]["plan_helix"] == 1.0
    assert 0.3 < row["all_alpha"]["plan_helix"] < 1.0  # helices between loops
    # relaxed (the default): steps near 3.8 A even from an untrained model's chains
    sampled = row["as_sampled"]  # the untrained model's own steps are far from 3.8 A
    assert set(sampled) == {"helix", "strand", "clash_rate", "mean_ca_distance", "rg_ratio_mean"}
    assert abs(sampled["mean_ca_distance"] - 3.80) > 0.1
    assert abs(row["mean_ca_distance"] - 3.80) < 0.1
    reference = report["reference_set"]
    assert all(math.isfinite(reference[key]) for key in HEADLINE)
    assert abs(reference["mean_ca_distance"] - 3.80) < 0.05
    assert reference["helix"] + reference["strand"] > 0.2
    profile = row["denoising"]
    assert list(profile) == ["0.5", "0.7", "0.8", "0.9", "0.95", "0.98"]
    # near the data the noised chains keep their spacing; half-way they are far from it
    assert abs(profile["0.98"]["noised"]["mean_ca_distance"] - 3.8) < 0.2
    assert profile["0.5"]["noised"]["mean_ca_distance"] > 8.0
    # the prediction is the network's, not the noised input handed on
    assert all(row["predicted"] != row["noised"] for row in profile.values())
    assert all(math.isfinite(v) for row in profile.values() for v in row["predicted"].values())
