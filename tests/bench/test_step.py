"""``qsdiff bench step``: a small run reports, and (slow) the EDM configuration beats EDM's form."""

import json

import pytest

from bench.step import edge_flops
from tests.helpers import run_qsdiff


def test_a_small_step_benchmark_reports_time_and_flops():
    done = run_qsdiff(
        "bench", "step", "--batch", "8", "--atoms", "10", "--hidden", "32", "--layers", "2",
        "--warmup", "1", "--repeats", "2", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert 0 < report["seconds_per_step"]["min"] <= report["seconds_per_step"]["median"]
    assert report["edge_gflop"] == round(edge_flops(8, 10, 32, 2) / 1e9, 1)
    assert report["edge_list_seconds_per_step"]["median"] > 0
    assert report["max_output_difference"] < 1e-4  # both forms timed compute one function


@pytest.mark.slow
def test_the_edm_configuration_is_faster_than_edms_edge_list_form():
    """A ratio from one run, so it holds on any CPU (absolute times differ by machine)."""
    done = run_qsdiff("bench", "step", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["max_output_difference"] < 1e-3
    assert report["speedup_over_edge_list"] >= 1.5
