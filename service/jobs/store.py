"""The job store: the source of truth for every job (SQLAlchemy; SQLite in WAL mode by default).

A job is one request: task, parameters, status, progress, attempts, timestamps, result. Workers
take jobs by *leasing* them (:mod:`service.jobs.scheduling`): a lease names the worker and
expires unless renewed by heartbeats; an expired lease makes the job leasable again (the worker
is presumed dead), and a job whose attempts run out is failed with its last error. The schema is
kept current by Alembic migrations (:mod:`service.jobs.migrate`); the records and the table are
:mod:`service.jobs.records`. What a key may still submit is :mod:`service.jobs.quota`, checked
under the key's lock (:mod:`service.jobs.locks`); old finished jobs go by
:mod:`service.jobs.retention`, crashed workers' scratch folders by :mod:`service.jobs.scratch`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    Engine,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from service.jobs.locks import hold_submissions
from service.jobs.migrate import migrate
from service.jobs.records import (
    Heartbeat,
    Job,
    JobNotFound,
    JobRow,
    JobStatus,
    LeaseLost,
    utc_now,
)
from service.jobs.scheduling import lease_batch, lease_next

__all__ = ["JobStore"]


def _enable_sqlite_wal(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


class JobStore:
    """Jobs in a database at ``url`` (``sqlite:///path.db`` or ``postgresql+psycopg://...``)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            _enable_sqlite_wal(self.engine)
        migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def ping(self) -> None:
        """Raise unless the database answers (for ``/readyz``)."""
        with self._session() as session:
            session.execute(select(func.count()).select_from(JobRow).limit(1))

    def submit(
        self,
        task: str,
        params: dict[str, Any],
        total: int,
        *,
        cost: int = 0,
        idempotency_key: str | None = None,
        max_attempts: int = 3,
        owner: str | None = None,
        batch_key: str | None = None,
        admit: Callable[[Session], None] | None = None,
    ) -> tuple[Job, bool]:
        """Queue a job; returns it and whether it is new (False: the key's earlier job).

        ``total``: its samples (the progress bar); ``cost``: its work units (the quotas').

        ``owner`` (an API key's id) scopes the job: only that owner sees it. Idempotency keys
        are scoped by owner too. Queued jobs with the same ``batch_key`` may be leased together
        (:meth:`lease_more`) and run as one batch.

        ``admit(session)`` checks the owner's limits (raising refuses the job): it runs in the
        transaction that inserts the job, after the owner's submission lock
        (:mod:`service.jobs.locks`), so two concurrent submissions of one owner cannot both pass
        a limit only one fits under. A repeated idempotency key returns the earlier job
        without asking ``admit``.
        """
        if idempotency_key is not None:  # a digest: fits the column whatever the key's length
            scoped = f"{owner or ''}:{idempotency_key}"
            idempotency_key = hashlib.sha256(scoped.encode("utf-8", "replace")).hexdigest()
        now = utc_now()
        row = JobRow(
            id=secrets.token_hex(16),
            task=task,
            params=params,
            status=JobStatus.QUEUED.value,
            progress_done=0,
            progress_total=total,
            cost=cost,
            attempts=0,
            max_attempts=max_attempts,
            idempotency_key=idempotency_key,
            cancel_requested=False,
            owner=owner,
            batch_key=batch_key,
            created_at=now,
            updated_at=now,
        )
        try:
            with self._session() as session:
                hold_submissions(session, owner)
                if (earlier := self._idempotent(session, idempotency_key)) is not None:
                    return earlier, False
                if admit is not None:
                    admit(session)
                session.add(row)
            return Job._from_row(row), True
        except IntegrityError:
            if idempotency_key is None:
                raise
            with self._session() as session:
                earlier = self._idempotent(session, idempotency_key)
            if earlier is None:
                raise
            return earlier, False

    @staticmethod
    def _idempotent(session: Session, digest: str | None) -> Job | None:
        """The job submitted earlier with the idempotency key of ``digest``, if any."""
        if digest is None:
            return None
        found = session.scalars(select(JobRow).where(JobRow.idempotency_key == digest)).first()
        return None if found is None else Job._from_row(found)

    @staticmethod
    def _visible(row: JobRow | None, job_id: str, owner: str | None) -> JobRow:
        if row is None or (owner is not None and row.owner != owner):
            raise JobNotFound(f"no job with id {job_id!r}")
        return row

    def get(self, job_id: str, owner: str | None = None) -> Job:
        """The job, or :class:`JobNotFound` (also when it belongs to another owner)."""
        with self._session() as session:
            return Job._from_row(self._visible(session.get(JobRow, job_id), job_id, owner))

    def list(
        self,
        status: JobStatus | None = None,
        limit: int = 50,
        offset: int = 0,
        owner: str | None = None,
    ) -> tuple[list[Job], int]:
        """Newest first, optionally of one status and one owner; the page and the total."""
        query = select(JobRow)
        count = select(func.count()).select_from(JobRow)
        if owner is not None:
            query = query.where(JobRow.owner == owner)
            count = count.where(JobRow.owner == owner)
        if status is not None:
            query = query.where(JobRow.status == status.value)
            count = count.where(JobRow.status == status.value)
        query = query.order_by(JobRow.created_at.desc(), JobRow.id).limit(limit).offset(offset)
        with self._session() as session:
            rows = session.scalars(query).all()
            return [Job._from_row(r) for r in rows], int(session.scalar(count) or 0)

    def counts(self, owner: str | None = None) -> dict[JobStatus, int]:
        """Number of jobs in every status (for ``/metrics``), or of one ``owner``'s jobs."""
        query = select(JobRow.status, func.count()).group_by(JobRow.status)
        if owner is not None:
            query = query.where(JobRow.owner == owner)
        with self._session() as session:
            rows = session.execute(query).all()
        found = {JobStatus(status): int(n) for status, n in rows}
        return {status: found.get(status, 0) for status in JobStatus}

    def samples_completed(self) -> int:
        """Samples of all succeeded jobs (a counter for ``/metrics``)."""
        with self._session() as session:
            total = session.scalar(
                select(func.coalesce(func.sum(JobRow.progress_total), 0)).where(
                    JobRow.status == JobStatus.SUCCEEDED.value
                )
            )
        return int(total or 0)

    def cancel(self, job_id: str, owner: str | None = None) -> Job:
        """Cancel: a queued job at once, a running one at its worker's next heartbeat.

        Cancelling a finished job changes nothing and returns it as it is.
        """
        now = utc_now()
        with self._session() as session:
            row = self._visible(session.get(JobRow, job_id, with_for_update=True), job_id, owner)
            if row.status == JobStatus.QUEUED.value:
                row.status = JobStatus.CANCELLED.value
                row.finished_at = now
            elif row.status == JobStatus.RUNNING.value:
                row.cancel_requested = True
            row.updated_at = now
            return Job._from_row(row)

    def lease(
        self, worker: str, seconds: float = 60.0, max_running: int | None = None
    ) -> Job | None:
        """Claim the next leasable job for ``worker``, fairly across owners (:mod:`.scheduling`).

        Queued jobs and running ones whose lease expired are leasable; a job whose lease
        expired ``max_attempts`` times is failed instead of handed out. ``max_running``: the
        most jobs one owner may have running (None: no cap); an owner at it is passed over.
        """
        return lease_next(self._session, worker, seconds, max_running)

    def lease_more(
        self,
        worker: str,
        batch_key: str,
        max_samples: int,
        seconds: float = 60.0,
        max_running: int | None = None,
    ) -> list[Job]:
        """Claim queued jobs of ``batch_key``, oldest first, of at most ``max_samples`` in all.

        The worker runs them in one batch with a job it already leased (:meth:`lease`);
        ``max_running`` as there.
        """
        with self._session() as session:
            return lease_batch(session, worker, batch_key, max_samples, seconds, max_running)

    def _owned(self, session: Session, job_id: str, worker: str) -> JobRow:
        row = session.get(JobRow, job_id, with_for_update=True)
        if row is None:
            raise JobNotFound(f"no job with id {job_id!r}")
        if row.status != JobStatus.RUNNING.value or row.lease_owner != worker:
            raise LeaseLost(f"worker {worker} no longer holds job {job_id}")
        return row

    def heartbeat(self, job_id: str, worker: str, done: int, seconds: float = 60.0) -> bool:
        """Renew the lease and record progress; returns True when cancellation was asked."""
        beat = self.heartbeat_many(worker, {job_id: done}, seconds)
        if job_id in beat.lost:
            raise LeaseLost(f"worker {worker} no longer holds job {job_id}")
        return job_id in beat.cancel_requested

    def heartbeat_many(self, worker: str, done: dict[str, int], seconds: float = 60.0) -> Heartbeat:
        """Renew the leases of a batch and record each job's progress, in one transaction."""
        now = utc_now()
        beat = Heartbeat()
        with self._session() as session:
            for job_id in sorted(done):
                row = session.get(JobRow, job_id, with_for_update=True)
                if (
                    row is None
                    or row.status != JobStatus.RUNNING.value
                    or (row.lease_owner != worker)
                ):
                    beat.lost.add(job_id)
                    continue
                row.progress_done = done[job_id]
                row.lease_expires_at = now + timedelta(seconds=seconds)
                row.updated_at = now
                if row.cancel_requested:
                    beat.cancel_requested.add(job_id)
        return beat

    def succeed(
        self,
        job_id: str,
        worker: str,
        result_path: str,
        publish: Callable[[], None] | None = None,
    ) -> Job:
        """Finish the job with its result.

        ``publish`` (moving the files into ``result_path``) runs inside the transaction that
        checks the lease, after the row is written and locked: a worker that lost its lease
        raises :class:`LeaseLost` before touching the files, and a failed publish rolls back.
        """
        return self._finish(
            job_id, worker, JobStatus.SUCCEEDED, result_path=result_path, publish=publish
        )

    def release(self, job_id: str, worker: str) -> Job:
        """Hand a running job back to the queue (a worker draining on shutdown).

        Not a failed attempt: the attempt it used is given back, so another worker restarts it.
        """
        now = utc_now()
        with self._session() as session:
            row = self._owned(session, job_id, worker)
            row.status = JobStatus.QUEUED.value
            row.attempts = max(row.attempts - 1, 0)
            row.progress_done = 0
            row.lease_owner = None
            row.lease_expires_at = None
            row.updated_at = now
            return Job._from_row(row)

    def mark_cancelled(self, job_id: str, worker: str) -> Job:
        """The worker stopped the job because cancellation was asked."""
        return self._finish(job_id, worker, JobStatus.CANCELLED)

    def fail(self, job_id: str, worker: str, error: str, retry: bool = True) -> Job:
        """Record a failed attempt: requeue while attempts remain, else fail with ``error``.

        ``retry`` False fails the job at once (another attempt would fail the same way).
        """
        now = utc_now()
        with self._session() as session:
            row = self._owned(session, job_id, worker)
            row.error = error
            row.lease_owner = None
            row.lease_expires_at = None
            row.updated_at = now
            if retry and row.attempts < row.max_attempts and not row.cancel_requested:
                row.status = JobStatus.QUEUED.value
            else:
                row.status = JobStatus.FAILED.value
                row.finished_at = now
            return Job._from_row(row)

    def fail_keeping(
        self,
        job_id: str,
        worker: str,
        error: str,
        result_path: str | None = None,
        publish: Callable[[], None] | None = None,
    ) -> Job:
        """Fail the job for good with ``error``, keeping what it finished as its result.

        ``publish`` and ``result_path`` as in :meth:`succeed` (none: nothing is kept): a job
        stopped at the wall-clock limit keeps the samples it finished before the stop.
        """
        return self._finish(job_id, worker, JobStatus.FAILED, result_path, publish, error)

    def _finish(
        self,
        job_id: str,
        worker: str,
        status: JobStatus,
        result_path: str | None = None,
        publish: Callable[[], None] | None = None,
        error: str | None = None,
    ) -> Job:
        now = utc_now()
        with self._session() as session:
            row = self._owned(session, job_id, worker)
            row.status = status.value
            row.result_path = result_path
            if error is not None:
                row.error = error
            row.finished_at = now
            row.updated_at = now
            row.lease_owner = None
            row.lease_expires_at = None
            if status == JobStatus.SUCCEEDED:
                row.progress_done = row.progress_total
            if publish is not None:
                session.flush()  # the write lock (SQLite) / row lock (PostgreSQL) is held now
                publish()
            return Job._from_row(row)
