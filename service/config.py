"""The one settings object (environment variables ``QSDIFF_*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]

_REPO = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Where data, caches, checkpoints, jobs and results live, and the service's limits."""

    model_config = SettingsConfigDict(env_prefix="QSDIFF_")

    data_dir: Path = _REPO.parent / "shared" / "data"
    cache_dir: Path = Path.home() / ".cache" / "qsdiff"
    checkpoint_dir: Path = _REPO / "checkpoints"
    state_dir: Path = Path.home() / ".local" / "share" / "qsdiff"
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite in state_dir"
    )
    cpu_workers: int = Field(default=1, ge=0, le=64)
    executor: Literal["local", "ray"] = Field(
        default="local", description="local worker processes, or Ray actors"
    )
    ray_address: str | None = Field(
        default=None, description="Ray cluster to join (default: start a local Ray)"
    )
    lease_seconds: float = Field(default=30.0, gt=0)
    drain_grace_seconds: float = Field(
        default=20.0,
        ge=0,
        description="on SIGTERM, running jobs may finish this long; then they go back to the queue",
    )
    max_sync_samples: int = Field(default=20, ge=1, description="samples of one inline request")
    max_sync_pending: int = Field(
        default=200, ge=1, description="inline requests waiting; more are refused with 429"
    )
    sync_timeout_seconds: float = Field(
        default=60.0, gt=0, description="an inline request not answered by then gets 503"
    )
    worker_batch_samples: int = Field(
        default=256, ge=1, description="samples of the jobs a worker leases to run together"
    )
    api_keys: str = Field(
        default="", description="comma-separated bearer keys; empty: no authentication"
    )
    metrics_public: bool = Field(
        default=False, description="serve /metrics without a key when keys are on"
    )
    docs_public: bool = Field(
        default=False, description="serve /docs and /openapi.json without a key when keys are on"
    )
    max_queued_jobs: int = Field(default=1000, ge=1)
    max_queued_jobs_per_key: int = Field(
        default=100, ge=1, description="jobs one API key may have waiting; more are a 429"
    )
    max_running_jobs_per_key: int = Field(
        default=2,
        ge=1,
        description="jobs of one API key running at once; its others wait while other keys' "
        "jobs run (keys off: no cap)",
    )
    max_job_cost: int = Field(
        default=10**9, ge=1, description="work units of one job (README's limits say the unit)"
    )
    max_queued_cost_per_key: int = Field(
        default=10**10, ge=1, description="work units one API key may have waiting"
    )
    max_cost_per_key_per_hour: int = Field(
        default=10**11, ge=1, description="work units one API key may submit in an hour"
    )
    retention_hours: float = Field(
        default=7 * 24.0,
        ge=0,
        description="finished jobs and their results are deleted this long after they "
        "finished; 0 keeps them forever",
    )
    max_job_seconds: float = Field(
        default=4 * 3600.0,
        gt=0,
        description="a running job is stopped and failed after this long (wall clock)",
    )
    max_streams_per_key: int = Field(
        default=16, ge=1, description="progress event streams one API key may hold open"
    )
    max_body_bytes: int = Field(default=8 << 20, ge=1024)

    @field_validator("retention_hours")
    @classmethod
    def _retention_covers_the_hour(cls, hours: float) -> float:
        if 0 < hours < 1:
            raise ValueError(
                "0 (keep forever) or at least 1 hour: the work-per-hour quota counts the jobs "
                "of the last hour, so they must still be there"
            )
        return hours

    @property
    def api_key_set(self) -> frozenset[str]:
        """The accepted API keys (empty: the API is open)."""
        return frozenset(k.strip() for k in self.api_keys.split(",") if k.strip())

    @property
    def results_dir(self) -> Path:
        """One folder per job with its result files."""
        return self.state_dir / "results"

    @property
    def job_database_url(self) -> str:
        """The job store's URL (SQLite under ``state_dir`` unless ``database_url`` is set)."""
        return self.database_url or f"sqlite:///{self.state_dir / 'jobs.db'}"

    @property
    def qm9_npz(self) -> Path:
        """QM9 train + valid (see ``data_dir/qm9/README.md``)."""
        return self.data_dir / "qm9" / "qm9_trainval.npz"


def get_settings() -> Settings:
    """Settings read from the environment now."""
    return Settings()
