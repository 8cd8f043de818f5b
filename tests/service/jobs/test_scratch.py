"""Scratch folders of crashed workers are swept; a live run's never (SQLite and PostgreSQL)."""

import os
import time
from datetime import timedelta

from sqlalchemy import update

from service.config import Settings
from service.jobs.records import JobRow, JobStatus, utc_now
from service.jobs.scratch import purge_stale_scratch, scratch_dir, worker_token
from service.jobs.store import JobStore
from service.jobs.worker import Worker

LEASE = 30.0


def _folder(results, job_id: str, worker: str, age: float = 2 * LEASE):
    """A scratch folder of ``worker`` for ``job_id`` with a file, last touched ``age`` s ago."""
    folder = scratch_dir(results, job_id, worker_token(worker))
    folder.mkdir(parents=True)
    (folder / "conformers.sdf").write_text("$$$$\n")
    then = time.time() - age
    os.utime(folder, (then, then))
    return folder


def _expire(store: JobStore, *job_ids: str) -> None:
    """End the leases of ``job_ids`` now, as if their workers had stopped heartbeating."""
    with store.engine.begin() as connection:
        connection.execute(
            update(JobRow)
            .where(JobRow.id.in_(job_ids))
            .values(lease_expires_at=utc_now() - timedelta(seconds=1))
        )


def test_only_folders_no_live_run_owns_are_removed(database_url, tmp_path):
    store, results = JobStore(database_url), tmp_path / "results"
    done, _ = store.submit("conformers", {}, total=1)
    store.lease("w@host:7:abab")
    store.succeed(done.id, "w@host:7:abab", str(results / done.id))
    running, _ = store.submit("conformers", {}, total=1)
    store.lease("w@host:1:aaaa", seconds=3600)
    taken, _ = store.submit("conformers", {}, total=1)
    store.lease("w@host:3:cccc", seconds=3600)
    requeued, _ = store.submit("conformers", {}, total=1)
    store.lease("w@host:5:eeee", seconds=3600)
    paused, _ = store.submit("conformers", {}, total=1)
    store.lease("w@host:2:bbbb", seconds=3600)
    _expire(store, taken.id, paused.id)  # paused: nobody takes it over; its worker may resume
    assert store.lease("w@host:4:dddd", seconds=3600).id == taken.id  # taken over
    store.release(requeued.id, "w@host:5:eeee")
    keep = [
        _folder(results, running.id, "w@host:1:aaaa"),
        _folder(results, taken.id, "w@host:4:dddd"),  # the run that took it over
        _folder(results, paused.id, "w@host:2:bbbb"),  # lease expired; the worker may resume
        _folder(results, requeued.id, "w@host:9:ffff", age=1.0),  # younger than a lease
    ]
    gone = [
        _folder(results, taken.id, "w@host:3:cccc"),  # its lease went to another worker
        _folder(results, requeued.id, "w@host:5:eeee"),  # handed back to the queue
        _folder(results, done.id, "w@host:7:abab"),  # finished (left by a crash at the end)
        _folder(results, "f" * 32, "w@host:6:abcd"),  # its job was purged
    ]
    (results / done.id).mkdir()  # a published result and a stray file: not scratch
    (results / ".notes.tmp").write_text("not a folder of ours")
    assert store.get(paused.id).status == JobStatus.RUNNING

    assert purge_stale_scratch(store, results, LEASE) == len(gone)
    assert [folder.exists() for folder in keep] == [True] * len(keep)
    assert [folder.exists() for folder in gone] == [False] * len(gone)
    assert (results / done.id).is_dir()
    assert (results / ".notes.tmp").is_file()
    assert purge_stale_scratch(store, results, LEASE) == 0


def test_a_worker_sweeps_a_crashed_workers_folder_and_keeps_its_own(tmp_path):
    settings = Settings(state_dir=tmp_path, lease_seconds=0.2)
    crashed, survivor = Worker(settings, name="w"), Worker(settings, name="w")
    job, _ = crashed.store.submit("conformers", {}, total=1)
    held = crashed.store.lease(crashed.name, settings.lease_seconds)
    left = crashed._fresh_scratch(held)  # then the process died
    time.sleep(0.3)
    retaken = survivor.store.lease(survivor.name, settings.lease_seconds)
    assert retaken.id == job.id
    own = survivor._fresh_scratch(retaken)
    then = time.time() - 60
    for folder in (left, own):
        os.utime(folder, (then, then))
    survivor.purge_if_due()
    assert not left.exists()
    assert own.is_dir()  # its own live run's folder, however old
