"""The suite's time budget (tests/time_budget.py) fails a default run that takes too long."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run_suite(directory: Path, budget_seconds: str, *options: str) -> subprocess.CompletedProcess:
    """A small default suite in ``directory`` with the budget plugin and the given budget."""
    test = "import time\n\ndef test_sleeps():\n    time.sleep(0.5)\n"
    (directory / "test_sleepy.py").write_text(test)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.time_budget", "-m", "not slow",
         "-p", "no:cacheprovider", "--rootdir", str(directory), *options, str(directory)],
        check=False, capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={**os.environ, "QSDIFF_TEST_BUDGET_SECONDS": budget_seconds},
    )  # fmt: skip


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_a_default_run_over_its_budget_fails_and_names_the_slowest_test(tmp_path, workers):
    done = _run_suite(tmp_path, "0.1", *workers)
    assert done.returncode == 1, done.stdout
    assert "OVER BUDGET" in done.stdout
    assert "test_sleepy.py::test_sleeps" in done.stdout


def test_a_default_run_inside_its_budget_passes(tmp_path):
    done = _run_suite(tmp_path, "600")
    assert done.returncode == 0, done.stdout
    assert "of a 600 s budget" in done.stdout
