import json

import pytest

from tests.helpers import run_qsdiff


def test_bench_toy_prints_json_rows():
    done = run_qsdiff("bench", "toy", "--json", "--num-samples", "2000")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["all_passed"] is True
    assert {r["case"] for r in report["rows"]} == {"diatomic", "rings"}
    assert {"w1", "ks_pvalue", "expect", "passed"} <= set(report["rows"][0])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("bench", "nope"), "invalid choice: 'nope'"),
        (("bench", "toy", "--num-samples", "x"), "invalid int value: 'x'"),
        ((), "the following arguments are required: COMMAND"),
    ],
)
def test_bad_arguments_say_what_is_wrong(args, message):
    done = run_qsdiff(*args)
    assert done.returncode == 2
    assert message in done.stderr
