"""The ``ray`` executor: jobs run on Ray actors; a killed actor loses nothing; ``qsdiff worker
--executor ray`` serves an API that runs no workers of its own.

Slow (a Ray actor takes half a minute to several minutes to start on two busy cores), and only
where the ``ray`` extra is installed: ``pip install -e .[ray]`` then ``make test-slow``.
"""

import os
import subprocess
import sys
import time

import psutil
import pytest
from rdkit import Chem

from tests.api.conftest import start_server, stop_server, wait_for

pytest.importorskip("ray", reason="RAY NOT TESTED: the ray extra is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

WORK = {"smiles": ["CCCCCCO", "c1ccccc1CCN"], "num_samples": 10, "num_steps": 100}


def _actor_pids(server) -> list[int]:
    children = psutil.Process(server.process.pid).children(recursive=True)
    return [p.pid for p in children if "ray::_WorkerActor" in " ".join(p.cmdline())]


def test_jobs_run_on_ray_actors_and_survive_a_killed_actor(tmp_path):
    server = start_server(tmp_path, executor="ray", cpu_workers="1")
    try:
        with server.client() as client:
            deadline = time.monotonic() + 600
            while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
                time.sleep(2)
            assert "1/1 alive" in client.get("/readyz").json()["checks"]["workers"]
            job = client.post("/v1/jobs", json={"task": "conformers", "params": WORK}).json()
            while client.get(f"/v1/jobs/{job['id']}").json()["status"] != "running":
                time.sleep(0.2)
            for pid in _actor_pids(server):
                psutil.Process(pid).kill()
            done = wait_for(client, job["id"], timeout=900)
            assert done["status"] == "succeeded", done
            sdf = client.get(f"/v1/jobs/{job['id']}/results").text
        supplier = Chem.SDMolSupplier()
        supplier.SetData(sdf, removeHs=False)
        records = [(r.GetProp("name"), r.GetIntProp("conformer_index")) for r in supplier]
        assert len(records) == len(set(records)) == 20
    finally:
        stop_server(server)


def test_a_standalone_ray_pool_serves_an_api_without_workers(tmp_path):
    server = start_server(tmp_path, workers=0)
    env = {**os.environ, "QSDIFF_STATE_DIR": str(tmp_path)}
    with (tmp_path / "pool.log").open("wb") as log:
        pool = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "worker", "--executor", "ray", "--count", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        with server.client() as client:
            job = client.post("/v1/jobs", json={"task": "conformers", "params": WORK}).json()
            done = wait_for(client, job["id"], timeout=900)
            assert done["status"] == "succeeded", done
    finally:
        pool.terminate()
        assert pool.wait(timeout=60) == 0, (tmp_path / "pool.log").read_text()
        stop_server(server)
