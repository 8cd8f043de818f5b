"""Retention on a real SQLite file and on PostgreSQL: old finished jobs go, with their files."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from service.jobs.records import JobNotFound, JobRow, JobStatus, utc_now
from service.jobs.retention import purge_finished
from service.jobs.store import JobStore


def _succeeded(store: JobStore, results, worker: str = "w"):
    job, _ = store.submit("conformers", {}, total=1)
    assert store.lease(worker).id == job.id
    folder = results / job.id

    def publish() -> None:
        folder.mkdir(parents=True)
        (folder / "conformers.sdf").write_text("$$$$\n")

    return store.succeed(job.id, worker, str(folder), publish)


def _finished_days_ago(store: JobStore, job_id: str, days: float) -> None:
    with store.engine.begin() as connection:
        connection.execute(
            update(JobRow)
            .where(JobRow.id == job_id)
            .values(finished_at=utc_now() - timedelta(days=days))
        )


def test_only_jobs_finished_before_the_cutoff_go_with_their_files(database_url, tmp_path):
    store, results = JobStore(database_url), tmp_path / "results"
    old = _succeeded(store, results)
    _finished_days_ago(store, old.id, 10)
    cancelled, _ = store.submit("conformers", {}, total=1)
    store.cancel(cancelled.id)
    _finished_days_ago(store, cancelled.id, 10)
    failed, _ = store.submit("conformers", {}, total=1)
    store.lease("w")
    store.fail(failed.id, "w", "boom", retry=False)
    _finished_days_ago(store, failed.id, 8)
    recent = _succeeded(store, results)
    _finished_days_ago(store, recent.id, 6)
    running, _ = store.submit("conformers", {}, total=1)
    store.lease("w", seconds=3600)
    queued, _ = store.submit("conformers", {}, total=1)

    cutoff = utc_now() - timedelta(days=7)
    assert purge_finished(store, cutoff, results) == 3
    for job in (old, cancelled, failed):
        with pytest.raises(JobNotFound):
            store.get(job.id)
    assert not (results / old.id).exists()
    assert (results / recent.id / "conformers.sdf").is_file()
    assert store.get(recent.id).status == JobStatus.SUCCEEDED
    assert store.get(running.id).status == JobStatus.RUNNING
    assert store.get(queued.id).status == JobStatus.QUEUED
    assert purge_finished(store, cutoff, results) == 0  # idempotent: a second pass finds none
