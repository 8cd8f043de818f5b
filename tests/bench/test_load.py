"""``qsdiff bench load``, briefly: real server, real HTTP, loopback only."""

import json

from tests.helpers import run_qsdiff


def test_short_load_run_has_no_errors_and_every_job_finishes():
    done = run_qsdiff("bench", "load", "--clients", "4", "--seconds", "3", "--job-every", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["errors"] == 0
    assert report["jobs_accepted"] >= 2
    assert report["all_jobs_succeeded"] is True
    assert report["latency_seconds"]["p50"] <= report["latency_seconds"]["p99"]
