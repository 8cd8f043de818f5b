"""A key's limits hold under concurrent submissions, on a real SQLite file and on PostgreSQL.

Eight threads submit for one key at the same moment through ``queue_job`` (what every route
calls); the key's room under each limit is one or two jobs, so all the others must get a 429.
"""

import threading

import pytest
from fastapi import HTTPException

from api.submission import queue_job
from service.config import Settings
from service.jobs.records import JobStatus
from service.jobs.store import JobStore
from service.jobs.tasks import ConformerParams
from service.registry import ModelRegistry

THREADS = 8
COST = 9 * 1 * 3  # ethanol: 9 atoms with hydrogens x 1 conformer x 3 steps


def _submit_at_once(store: JobStore, settings: Settings, idempotency_key=None) -> list[int]:
    """HTTP status of each of ``THREADS`` simultaneous submissions of one key (202: queued)."""
    registry = ModelRegistry(settings.checkpoint_dir)
    start = threading.Barrier(THREADS)
    answers: list[int] = []
    lock = threading.Lock()

    def submit() -> None:
        params = ConformerParams(smiles=["CCO"], num_samples=1, num_steps=3)
        start.wait()
        try:
            queue_job(
                "conformers",
                params,
                store=store,
                registry=registry,
                settings=settings,
                owner="key",
                idempotency_key=idempotency_key,
            )
            status = 202
        except HTTPException as e:
            status = e.status_code
        with lock:
            answers.append(status)

    threads = [threading.Thread(target=submit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.parametrize(
    ("limit", "room", "refused"),
    [
        ({"max_queued_jobs_per_key": 1}, 1, 429),
        ({"max_queued_cost_per_key": 2 * COST}, 2, 429),
        ({"max_cost_per_key_per_hour": 2 * COST}, 2, 429),
        ({"max_queued_jobs": 2}, 2, 503),
    ],
)
def test_concurrent_submissions_of_one_key_never_pass_a_limit_together(
    database_url, tmp_path, limit, room, refused
):
    store = JobStore(database_url)
    answers = _submit_at_once(store, Settings(state_dir=tmp_path, **limit))
    assert sorted(answers) == [202] * room + [refused] * (THREADS - room)
    assert store.counts("key")[JobStatus.QUEUED] == room


def test_a_repeated_idempotency_key_at_once_queues_one_job(database_url, tmp_path):
    store = JobStore(database_url)
    answers = _submit_at_once(store, Settings(state_dir=tmp_path), idempotency_key="once")
    assert answers == [202] * THREADS  # every request answers with the one job
    assert store.counts("key")[JobStatus.QUEUED] == 1
