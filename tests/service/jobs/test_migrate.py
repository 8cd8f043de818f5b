"""Migrations bring any older job database to the current schema; many processes share a queue."""

import multiprocessing
from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text

from service.jobs.migrate import MIGRATIONS
from service.jobs.records import JobStatus
from service.jobs.store import JobStore


def _first_release_database(url: str) -> None:
    """The schema the first release made (no migrations table), with one queued job in it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(text("DROP TABLE alembic_version"))
        now = datetime.now(UTC)
        connection.execute(
            text(
                "INSERT INTO jobs (id, task, params, status, progress_done, progress_total,"
                " attempts, max_attempts, cancel_requested, created_at, updated_at) VALUES"
                " ('a' || :pad, 'conformers', '{}', 'queued', 0, 2, 0, 3, false, :now, :now)"
            ),
            {"pad": "0" * 31, "now": now},
        )
    engine.dispose()


def test_an_older_database_is_migrated_and_keeps_its_jobs(database_url):
    _first_release_database(database_url)
    store = JobStore(database_url)
    columns = {c["name"] for c in inspect(store.engine).get_columns("jobs")}
    assert {"batch_key", "cost"} <= columns
    job = store.get("a" + "0" * 31)
    assert job.status == JobStatus.QUEUED
    assert job.batch_key is None
    assert job.cost == 0  # jobs from before costs count nothing against a key
    JobStore(database_url)  # a second start is a no-op


def _drain(url: str, name: str, start, out) -> None:
    store = JobStore(url)
    start.wait()  # both workers begin together
    taken = []
    while (job := store.lease(name)) is not None:
        store.succeed(job.id, name, "r")
        taken.append(job.id)
    out.put(taken)


def test_two_worker_processes_finish_200_jobs_exactly_once(database_url):
    store = JobStore(database_url)
    ids = {store.submit("conformers", {}, total=1)[0].id for _ in range(200)}
    context = multiprocessing.get_context("spawn")
    out, start = context.Queue(), context.Barrier(2)
    workers = [
        context.Process(target=_drain, args=(database_url, f"w{i}", start, out)) for i in range(2)
    ]
    for worker in workers:
        worker.start()
    taken = [out.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert sorted(taken[0] + taken[1]) == sorted(ids)  # every job, none twice
    assert all(taken)  # both workers got work
    assert store.counts()[JobStatus.SUCCEEDED] == 200
