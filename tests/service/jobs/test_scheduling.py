"""The per-key cap on running jobs, on a real SQLite file and on PostgreSQL."""

import threading
import time

import pytest

from service.jobs.records import JobStatus
from service.jobs.store import JobStore


@pytest.fixture
def store(database_url):
    return JobStore(database_url)


def _queue(store: JobStore, owner: str | None, n: int, batch_key: str | None = None) -> list[str]:
    return [
        store.submit("conformers", {}, total=1, owner=owner, batch_key=batch_key)[0].id
        for _ in range(n)
    ]


def test_a_key_at_its_running_cap_waits_while_other_keys_run(store):
    a = _queue(store, "a", 4)
    b = _queue(store, "b", 1)
    leased = [store.lease("w", max_running=2) for _ in range(3)]
    assert [job.id for job in leased] == [a[0], b[0], a[1]]
    assert store.lease("w", max_running=2) is None  # a[2] waits: two of a's jobs run
    assert store.get(a[2]).status == JobStatus.QUEUED
    store.succeed(a[0], "w", "r")
    assert store.lease("w", max_running=2).id == a[2]  # room again
    assert store.lease("w", max_running=2) is None
    assert store.lease("w").id == a[3]  # no cap asked: the fair order alone


def test_jobs_without_an_owner_are_not_capped(store):
    anonymous = _queue(store, None, 3)
    assert [store.lease("w", max_running=1).id for _ in range(3)] == anonymous


def test_a_dead_workers_job_does_not_count_and_is_leased_again(store):
    first, second = _queue(store, "a", 2)
    assert store.lease("dead", seconds=0.05, max_running=1).id == first
    time.sleep(0.1)  # its lease expired: the worker is presumed dead
    again = store.lease("w", max_running=1)
    assert (again.id, again.attempts) == (first, 2)
    assert store.lease("w", max_running=1) is None  # now it runs under a live lease
    assert store.get(second).status == JobStatus.QUEUED


def test_a_batch_takes_no_more_of_a_key_than_its_cap(store):
    a = _queue(store, "a", 3, batch_key="k")
    b = _queue(store, "b", 1, batch_key="k")
    assert store.lease("w", max_running=2).id == a[0]
    more = store.lease_more("w", "k", max_samples=100, max_running=2)
    assert sorted(job.id for job in more) == sorted([a[1], b[0]])
    assert store.get(a[2]).status == JobStatus.QUEUED


def test_workers_claiming_at_once_never_exceed_the_cap(store):
    """Eight workers lease one key's jobs at once, each its own batch key: disjoint rows."""
    for k in range(8):
        _queue(store, "a", 2, batch_key=f"k{k}")
    start = threading.Barrier(8)
    claimed: list[str] = []
    lock = threading.Lock()

    def claim(k: int) -> None:
        start.wait()
        if k % 2:
            jobs = store.lease_more(f"w{k}", f"k{k}", max_samples=100, max_running=2)
        else:
            jobs = [job] if (job := store.lease(f"w{k}", max_running=2)) else []
        with lock:
            claimed.extend(job.id for job in jobs)

    threads = [threading.Thread(target=claim, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) <= 2
    for k in range(8):  # a worker passed over a busy key's lock; the cap is still the bound
        store.lease_more("late", f"k{k}", max_samples=100, max_running=2)
    assert store.counts("a")[JobStatus.RUNNING] == 2
