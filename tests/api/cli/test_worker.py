"""``qsdiff worker``: a stand-alone worker process takes jobs from the shared store."""

import importlib.util
import os
import signal
import subprocess
import sys
import time

import pytest

from service.config import Settings
from service.jobs.records import JobStatus
from service.jobs.store import JobStore
from service.jobs.tasks import TASKS, ConformerParams
from service.registry import ModelRegistry
from tests.helpers import run_qsdiff


def test_a_standalone_worker_runs_a_queued_job(tmp_path):
    settings = Settings(state_dir=tmp_path)
    store = JobStore(settings.job_database_url)
    params = ConformerParams(smiles=["CCO"], num_samples=2, num_steps=3)
    task = TASKS["conformers"]
    total = task.check(params, ModelRegistry(settings.checkpoint_dir))
    job, _ = store.submit(task.name, params.model_dump(), total, batch_key=task.batch_key(params))
    env = {**os.environ, "QSDIFF_STATE_DIR": str(tmp_path)}
    # A shell starts background jobs (this suite too, under nohup or &) with SIGINT ignored,
    # which a child inherits and Python keeps; a Python-level handler in this process is reset
    # to the default in the child, so the worker sees Ctrl-C as it would at a terminal.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        worker = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "worker", "--name", "standalone"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        deadline = time.monotonic() + 120
        while store.get(job.id).status != JobStatus.SUCCEEDED and time.monotonic() < deadline:
            time.sleep(0.2)
        done = store.get(job.id)
        assert done.status == JobStatus.SUCCEEDED
        assert (tmp_path / "results" / job.id / "conformers.sdf").is_file()
        worker.send_signal(signal.SIGINT)  # Ctrl-C stops it, without a traceback
        _, stderr = worker.communicate(timeout=20)
        assert worker.returncode == 130, stderr
        assert "Traceback" not in stderr
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def test_a_ray_pool_without_the_ray_extra_says_how_to_get_it():
    if importlib.util.find_spec("ray") is not None:
        pytest.skip("ray is installed here; tests/api/test_ray.py runs the pool")
    done = run_qsdiff("worker", "--executor", "ray")
    assert done.returncode == 2
    assert "pip install 'qsdiff[ray]'" in done.stderr
