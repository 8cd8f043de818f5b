"""Request and response bodies of the HTTP API (one naming scheme: ``num_samples``, ...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.jobs.inline import InlineResult
from service.jobs.records import Job, JobStatus
from service.jobs.tasks import TASKS

TaskName = Literal[tuple(TASKS)]
"""Every task the service runs (``service.jobs.tasks.TASKS``), so a new task needs no edit here."""

__all__ = [
    "BackboneResult",
    "ConformerResult",
    "InlineAnswer",
    "JobCreate",
    "JobList",
    "JobPublic",
    "ModelPublic",
    "MoleculeResult",
]


class JobCreate(BaseModel):
    """``POST /v1/jobs``: a task and the same parameters as its sync route."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"task": "conformers", "params": {"smiles": ["CCO"], "num_samples": 5}}]
        },
    )

    task: TaskName
    params: dict[str, Any]
    idempotency_key: str | None = Field(None, max_length=128)


class JobPublic(BaseModel):
    """A job as clients see it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    task: str
    status: JobStatus
    progress_done: int
    progress_total: int
    attempts: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    params: dict[str, Any]

    @classmethod
    def of(cls, job: Job) -> JobPublic:
        """From the store's snapshot."""
        return cls.model_validate(job)


class JobList(BaseModel):
    """A page of jobs, newest first."""

    jobs: list[JobPublic]
    total: int
    limit: int
    offset: int


class InlineAnswer(BaseModel):
    """What every inline task answer carries besides its files."""

    samples: list[dict[str, Any]] = Field(description="one record per sample: metadata, metrics")
    num_samples: int
    seed: int
    treatment: str
    sampler: str
    num_steps: int
    elapsed_seconds: float
    batch_requests: int = Field(description="inline requests sampled in one batch with this one")

    @staticmethod
    def shared(params: Any, result: InlineResult, elapsed: float) -> dict[str, Any]:
        """The shared fields from a request's parameters and its inline result."""
        return {
            "samples": result.manifest["samples"],
            "num_samples": params.num_samples,
            "seed": params.seed,
            "treatment": params.treatment,
            "sampler": params.sampler,
            "num_steps": params.num_steps,
            "elapsed_seconds": round(elapsed, 3),
            "batch_requests": result.batch_requests,
        }


class ConformerResult(InlineAnswer):
    """``POST /v1/conformers``: the SDF and one metadata record per conformer."""

    sdf: str


class MoleculeResult(InlineAnswer):
    """``POST /v1/molecules``: SDF of the generated molecules, each with its checks."""

    sdf: str


class BackboneResult(InlineAnswer):
    """``POST /v1/backbones``: all-GLY N/CA/C/O backbones as PDB and mmCIF text."""

    pdb: str
    cif: str
    lengths: list[int]


class ModelPublic(BaseModel):
    """One shipped checkpoint and its card (training budget, measured metrics)."""

    task: str
    treatment: str
    checkpoint: str
    card: dict[str, Any]
