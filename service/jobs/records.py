"""What the job store holds: a job's status, the job record, its table, the store's errors.

:class:`Job` is the immutable view every caller gets; :class:`JobRow` is its row in the
``jobs`` table (SQLAlchemy), whose metadata the migrations compare against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from service.errors import NotFound

__all__ = [
    "FINISHED",
    "JOBS_METADATA",
    "Heartbeat",
    "Job",
    "JobNotFound",
    "JobRow",
    "JobStatus",
    "LeaseLost",
    "utc_now",
]


class JobStatus(StrEnum):
    """Lifecycle: queued -> running -> succeeded | failed | cancelled (running may requeue)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class JobNotFound(NotFound):
    """No job has that id."""


class LeaseLost(RuntimeError):
    """The worker no longer holds the job's lease (it expired and another worker took it)."""


@dataclass
class Heartbeat:
    """What a batch heartbeat found: jobs whose cancellation was asked, jobs no longer held."""

    cancel_requested: set[str] = field(default_factory=set)
    lost: set[str] = field(default_factory=set)


class _Base(DeclarativeBase):
    pass


JOBS_METADATA = _Base.metadata
"""The tables' definitions, which the migrations in ``service/jobs/migrations`` must produce."""


class JobRow(_Base):
    """A job as a row of the ``jobs`` table."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    task: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer)
    cost: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True, nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    owner: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    batch_key: Mapped[str | None] = mapped_column(String(128), index=True, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Job:
    """A snapshot of one job."""

    id: str
    task: str
    params: dict[str, Any]
    status: JobStatus
    progress_done: int
    progress_total: int
    cost: int
    """Work units of the job (README's limits): what the per-key quotas count."""
    attempts: int
    max_attempts: int
    error: str | None
    cancel_requested: bool
    batch_key: str | None
    result_path: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @classmethod
    def _from_row(cls, row: JobRow) -> Job:
        def aware(value: datetime | None) -> datetime | None:
            # SQLite drops the zone; every stored time is UTC
            return (
                value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
            )

        return cls(
            id=row.id,
            task=row.task,
            params=row.params,
            status=JobStatus(row.status),
            progress_done=row.progress_done,
            progress_total=row.progress_total,
            cost=row.cost,
            attempts=row.attempts,
            max_attempts=row.max_attempts,
            error=row.error,
            cancel_requested=row.cancel_requested,
            batch_key=row.batch_key,
            result_path=row.result_path,
            created_at=aware(row.created_at),
            started_at=aware(row.started_at),
            finished_at=aware(row.finished_at),
            updated_at=aware(row.updated_at),
        )


def utc_now() -> datetime:
    """Now, in UTC (what every timestamp of the store is)."""
    return datetime.now(UTC)
