"""The worker runs compatible jobs as one batch, and each job gets its solo result."""

import shutil
import threading
import time

import numpy as np
from rdkit import Chem

from service.config import Settings
from service.jobs.records import JobStatus
from service.jobs.tasks import TASKS, ConformerParams
from service.jobs.worker import Worker


def _submit(worker: Worker, **params) -> str:
    task = TASKS["conformers"]
    checked = ConformerParams(**params)
    job, _ = worker.store.submit(
        task.name,
        checked.model_dump(),
        task.check(checked, worker.registry),
        batch_key=task.batch_key(checked),
    )
    return job.id


def _coordinates(worker: Worker, job_id: str) -> np.ndarray:
    path = worker.store.get(job_id).result_path
    mols = list(Chem.SDMolSupplier(f"{path}/conformers.sdf", removeHs=False))
    return np.stack([mol.GetConformer().GetPositions() for mol in mols])


def test_compatible_jobs_run_in_one_batch_with_their_solo_results(tmp_path):
    """Unrelaxed: 100 unconverged MMFF94 iterations magnify float-rounding differences."""
    worker = Worker(Settings(state_dir=tmp_path), name="w")
    same = {"num_steps": 4, "relax": "none"}
    batched = [
        _submit(worker, smiles=["CCO", "c1ccncc1"], num_samples=2, seed=1, **same),
        _submit(worker, smiles=["CC(=O)N"], num_samples=3, seed=2, **same),
    ]
    other_steps = _submit(worker, smiles=["CCO"], num_samples=1, num_steps=5, relax="none")
    assert worker.run_once()
    assert [worker.store.get(j).status for j in batched] == [JobStatus.SUCCEEDED] * 2
    assert worker.store.get(other_steps).status == JobStatus.QUEUED  # another batch key
    assert worker.run_once()
    assert worker.store.get(other_steps).status == JobStatus.SUCCEEDED
    alone = _submit(worker, smiles=["CC(=O)N"], num_samples=3, seed=2, **same)
    assert worker.run_once()
    assert len(_coordinates(worker, alone)) == 3
    np.testing.assert_allclose(
        _coordinates(worker, alone), _coordinates(worker, batched[1]), atol=2e-4
    )
    assert not worker.run_once()


def test_worker_identities_and_scratch_folders_are_unique_per_process(tmp_path):
    a = Worker(Settings(state_dir=tmp_path), name="local-0")
    b = Worker(Settings(state_dir=tmp_path), name="local-0")  # two replicas, one label
    assert a.name != b.name
    assert a.name.startswith("local-0@")
    job_id = _submit(a, smiles=["CCO"], num_samples=1, num_steps=2)
    job = a.store.get(job_id)
    assert a._scratch(job) != b._scratch(job)


def test_a_draining_worker_hands_its_job_back_without_using_an_attempt(tmp_path):
    worker = Worker(Settings(state_dir=tmp_path), name="w")
    job_id = _submit(worker, smiles=["CCCCCC"] * 4, num_samples=5, num_steps=50, start="noise")
    worker.drain(grace_seconds=0)  # SIGTERM with no grace: the job leaves at the next step
    assert worker.run_once()
    job = worker.store.get(job_id)
    assert (job.status, job.attempts) == (JobStatus.QUEUED, 0)
    assert not list(worker.settings.results_dir.glob(f".{job_id}.*"))  # scratch removed


def test_the_worker_loop_survives_an_unreachable_store(tmp_path, caplog):
    state = tmp_path / "state"
    state.mkdir()
    worker = Worker(Settings(state_dir=state), name="w")
    worker.store.engine.dispose()
    shutil.rmtree(state)
    state.write_text("a file where the database folder was")  # no connection can open now
    stop = threading.Event()
    loop = threading.Thread(target=worker.run_forever, args=(stop,))
    loop.start()
    time.sleep(1.0)
    assert loop.is_alive()  # still retrying, not dead
    stop.set()
    loop.join(timeout=10)
    assert "job store unavailable" in caplog.text


def test_a_job_past_the_wall_clock_limit_fails_with_the_reason(tmp_path):
    worker = Worker(Settings(state_dir=tmp_path, max_job_seconds=0.01), name="w")
    job_id = _submit(worker, smiles=["CCCCCC"] * 4, num_samples=5, num_steps=50, start="noise")
    assert worker.run_once()
    job = worker.store.get(job_id)
    assert job.status == JobStatus.FAILED
    assert "wall-clock limit of 0.01 s" in job.error
