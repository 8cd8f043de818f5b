"""The job store on a real SQLite file (WAL, the embedded default) and on PostgreSQL."""

import threading
import time

import pytest

from service.jobs.records import JobNotFound, JobStatus, LeaseLost
from service.jobs.store import JobStore


@pytest.fixture
def store(database_url):
    return JobStore(database_url)


def test_submit_get_list_and_idempotency(store):
    first, created = store.submit("conformers", {"smiles": ["CCO"]}, total=5, idempotency_key="k1")
    assert created
    assert first.status == JobStatus.QUEUED
    assert len(first.id) == 32
    again, created = store.submit("conformers", {"smiles": ["CCC"]}, total=5, idempotency_key="k1")
    assert not created
    assert again.id == first.id
    assert again.params == {"smiles": ["CCO"]}
    for _ in range(3):
        store.submit("conformers", {}, total=1)
    page, total = store.list(limit=2)
    assert total == 4
    assert len(page) == 2
    assert page[0].created_at >= page[1].created_at
    assert store.get(first.id).progress_total == 5
    assert store.counts()[JobStatus.QUEUED] == 4
    with pytest.raises(JobNotFound, match="no job with id 'nope'"):
        store.get("nope")


def test_a_job_is_leased_once_and_runs_to_success(store):
    job, _ = store.submit("conformers", {}, total=10)
    leased = store.lease("w1")
    assert leased.id == job.id
    assert leased.status == JobStatus.RUNNING
    assert leased.attempts == 1
    assert store.lease("w2") is None
    assert store.heartbeat(job.id, "w1", done=4) is False
    assert store.get(job.id).progress_done == 4
    with pytest.raises(LeaseLost):
        store.heartbeat(job.id, "w2", done=5)
    done = store.succeed(job.id, "w1", "/results/x")
    assert done.status == JobStatus.SUCCEEDED
    assert done.progress_done == 10
    assert done.result_path == "/results/x"
    assert done.finished_at is not None


def test_cancel_queued_at_once_and_running_at_the_next_heartbeat(store):
    queued, _ = store.submit("conformers", {}, total=1)
    assert store.cancel(queued.id).status == JobStatus.CANCELLED
    assert store.lease("w1") is None  # a cancelled job is never handed out
    running, _ = store.submit("conformers", {}, total=1)
    store.lease("w1")
    assert store.cancel(running.id).status == JobStatus.RUNNING
    assert store.heartbeat(running.id, "w1", done=0) is True
    assert store.mark_cancelled(running.id, "w1").status == JobStatus.CANCELLED
    assert store.cancel(running.id).status == JobStatus.CANCELLED  # finished: unchanged


def test_an_expired_lease_goes_to_another_worker_until_attempts_run_out(store):
    job, _ = store.submit("conformers", {}, total=1, max_attempts=2)
    store.lease("w1", seconds=0.05)
    time.sleep(0.1)
    second = store.lease("w2", seconds=0.05)
    assert second.id == job.id
    assert second.attempts == 2
    with pytest.raises(LeaseLost):
        store.succeed(job.id, "w1", "late")
    time.sleep(0.1)
    assert store.lease("w3") is None
    lost = store.get(job.id)
    assert lost.status == JobStatus.FAILED
    assert "lost 2 times" in lost.error


def test_failures_retry_then_fail_with_the_error(store):
    job, _ = store.submit("conformers", {}, total=1, max_attempts=2)
    store.lease("w1")
    assert store.fail(job.id, "w1", "boom 1").status == JobStatus.QUEUED
    store.lease("w1")
    final = store.fail(job.id, "w1", "boom 2")
    assert final.status == JobStatus.FAILED
    assert final.error == "boom 2"


def test_concurrent_workers_never_share_a_job(store):
    ids = {store.submit("conformers", {}, total=1)[0].id for _ in range(40)}
    taken: list[str] = []
    lock = threading.Lock()

    def work(name):
        while (job := store.lease(name)) is not None:
            with lock:
                taken.append(job.id)
            store.succeed(job.id, name, "r")

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == sorted(ids)
    assert store.counts()[JobStatus.SUCCEEDED] == 40


def test_lease_more_takes_queued_jobs_of_the_same_batch_key_within_the_budget(store):
    first, _ = store.submit("conformers", {}, total=2, batch_key="a")
    fits, _ = store.submit("conformers", {}, total=2, batch_key="a")
    other_key, _ = store.submit("conformers", {}, total=1, batch_key="b")
    too_big, _ = store.submit("conformers", {}, total=5, batch_key="a")
    last_fit, _ = store.submit("conformers", {}, total=1, batch_key="a")
    assert store.lease("w1").id == first.id
    more = store.lease_more("w1", "a", max_samples=4)
    assert [job.id for job in more] == [fits.id, last_fit.id]
    assert all(job.status == JobStatus.RUNNING for job in more)
    assert store.lease_more("w2", "a", max_samples=100)[0].id == too_big.id
    assert store.get(other_key.id).status == JobStatus.QUEUED


def test_a_batch_heartbeat_reports_cancelled_and_lost_jobs(store):
    kept, _ = store.submit("conformers", {}, total=3, batch_key="a")
    cancelled, _ = store.submit("conformers", {}, total=3, batch_key="a")
    store.lease("w1")
    store.lease_more("w1", "a", max_samples=10)
    store.cancel(cancelled.id)
    foreign, _ = store.submit("conformers", {}, total=1)
    beat = store.heartbeat_many("w1", {kept.id: 2, cancelled.id: 1, foreign.id: 0})
    assert beat.cancel_requested == {cancelled.id}
    assert beat.lost == {foreign.id}
    assert store.get(kept.id).progress_done == 2


def test_an_idempotency_key_of_the_longest_allowed_length_fits_every_store(store):
    key = "k" * 128  # the API's limit; scoped by a 32-character owner it once overflowed
    first, created = store.submit("conformers", {}, total=1, idempotency_key=key, owner="o" * 32)
    again, created_again = store.submit(
        "conformers", {}, total=1, idempotency_key=key, owner="o" * 32
    )
    other, created_other = store.submit(
        "conformers", {}, total=1, idempotency_key=key, owner="p" * 32
    )
    assert (created, created_again, created_other) == (True, False, True)
    assert again.id == first.id != other.id


def test_a_worker_that_lost_its_lease_never_publishes(store):
    job, _ = store.submit("conformers", {}, total=1)
    store.lease("w1", seconds=0.05)
    time.sleep(0.1)
    taken = store.lease("w2")
    assert taken.id == job.id
    published = []
    with pytest.raises(LeaseLost):
        store.succeed(job.id, "w1", "/results/w1", lambda: published.append("w1"))
    assert published == []
    store.succeed(job.id, "w2", "/results/w2", lambda: published.append("w2"))
    assert published == ["w2"]
    assert store.get(job.id).result_path == "/results/w2"


def test_a_failed_publish_leaves_the_job_running(store):
    job, _ = store.submit("conformers", {}, total=1)
    store.lease("w1")

    def broken() -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.succeed(job.id, "w1", "/results/x", broken)
    assert store.get(job.id).status == JobStatus.RUNNING


def test_a_released_job_is_queued_again_without_using_an_attempt(store):
    job, _ = store.submit("conformers", {}, total=3, max_attempts=1)
    store.lease("w1")
    released = store.release(job.id, "w1")
    assert (released.status, released.attempts) == (JobStatus.QUEUED, 0)
    again = store.lease("w2")
    assert again.id == job.id
    assert again.attempts == 1  # its one attempt is still there


def test_owners_take_turns_so_one_key_cannot_starve_another(store):
    flood = [store.submit("conformers", {}, total=600, owner="a")[0].id for _ in range(5)]
    small, _ = store.submit("conformers", {}, total=1, owner="b")
    order = [store.lease("w").id for _ in range(6)]
    assert order[:2] == [flood[0], small.id]  # b's one job right after a's first
    assert order[2:] == flood[1:]
