"""``/v1/aux/ebc``: queue an EbC fit, embed with a fitted encoder, solve ``R(g)`` from pairs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import OwnerDep, RegistryDep, SettingsDep, StoreDep
from api.schemas import JobPublic
from api.submission import queue_job
from service.aux.ebc import (
    ENCODER_FILE,
    FIT_TASK,
    FitNotReady,
    embed_inputs,
    load_fitted_encoder,
    represent_pairs,
)
from service.config import Settings
from service.jobs.records import JobStatus
from service.jobs.store import JobStore
from service.jobs.tasks import EbcFitParams
from service.jobs.worker import results_path
from service.task import InvalidTaskInput

__all__ = ["router"]

router = APIRouter(prefix="/v1/aux/ebc", tags=["aux"])

MAX_ROWS = 4096
MAX_FEATURES = 1024
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Row = Annotated[list[FiniteFloat], Field(min_length=1, max_length=MAX_FEATURES)]
Rows = Annotated[list[Row], Field(min_length=1, max_length=MAX_ROWS)]
JobIdField = Annotated[
    str,
    Field(pattern="^[0-9a-f]{32}$", description="a succeeded aux_ebc_fit job"),
]


class EbcEmbedRequest(BaseModel):
    """Observations to embed with the encoder of a fit job."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"job_id": "0" * 32, "inputs": [[0.1] * 20, [0.3] * 20]}]},
    )

    job_id: JobIdField
    inputs: Rows = Field(description="observations [B, F]; F is the fitted world's obs_dim")


class EbcEmbedResult(BaseModel):
    """Embeddings ``[B, E]`` and what produced them."""

    embeddings: list[list[float]]
    dim: int = Field(description="E, the embedding dimension")
    setting: str
    identity: bool = Field(description="whether the encoder is the R = I ablation")


class EbcRepresentationRequest(BaseModel):
    """Pairs ``(x_i, x'_i)`` that share one group element."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"x": [[1, 0], [0, 1], [1, 1]], "x_prime": [[0, 1], [-1, 0], [-1, 1]]}]
        },
    )

    x: Rows = Field(description="embeddings [B, D], or observations [B, F] with job_id")
    x_prime: Rows = Field(description="the transformed partners, same shape as x")
    job_id: JobIdField | None = Field(
        None, description="embed x and x_prime with this fit's encoder first"
    )


class EbcRepresentationResult(BaseModel):
    """The least-squares ``R`` with ``x' ~ R x``."""

    matrix: list[list[float]] = Field(description="R, [D, D]")
    residual: float = Field(description="|X R^T - X'|_F / |X'|_F")
    num_pairs: int


@router.post("/fit", status_code=202, response_model=JobPublic)
def submit_fit(
    params: EbcFitParams,
    response: Response,
    store: StoreDep,
    registry: RegistryDep,
    settings: SettingsDep,
    owner: OwnerDep,
) -> JobPublic:
    """Queue an ``aux_ebc_fit`` job; its ``encoder.pt`` and ``report.json`` come as ``zip``.

    Through the same checks and limits as ``POST /v1/jobs``.
    """
    job = queue_job(
        FIT_TASK, params, store=store, registry=registry, settings=settings, owner=owner
    )
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return JobPublic.of(job)


def encoder_of_job(settings: Settings, store: JobStore, job_id: str, owner: str | None):
    """The encoder a succeeded ``aux_ebc_fit`` job stored (``JobNotFound`` if none is visible)."""
    job = store.get(job_id, owner)
    if job.task != FIT_TASK:
        msg = f"job {job_id} is a {job.task!r} job, not {FIT_TASK!r}"
        raise InvalidTaskInput([{"loc": ["body", "job_id"], "msg": msg}])
    if job.status != JobStatus.SUCCEEDED:
        raise FitNotReady(f"job {job_id} is {job.status.value}; embed once it has succeeded")
    return load_fitted_encoder(str(results_path(settings, job, ENCODER_FILE)))


def _encoder(settings: Settings, store: JobStore, job_id: str, owner: str | None):
    """The fit's encoder and config; 409 while the job has not succeeded."""
    return encoder_of_job(settings, store, job_id, owner)


@router.post("/embed", response_model=EbcEmbedResult)
def embed(
    body: EbcEmbedRequest, settings: SettingsDep, store: StoreDep, owner: OwnerDep
) -> EbcEmbedResult:
    """Embed observations with a fitted encoder."""
    encoder, config = _encoder(settings, store, body.job_id, owner)
    embeddings = embed_inputs(encoder, body.inputs)
    return EbcEmbedResult(
        embeddings=embeddings.tolist(),
        dim=config.embedding_dim,
        setting=config.setting,
        identity=config.identity,
    )


@router.post("/representation", response_model=EbcRepresentationResult)
def representation(
    body: EbcRepresentationRequest, settings: SettingsDep, store: StoreDep, owner: OwnerDep
) -> EbcRepresentationResult:
    """``R(g)`` of the pairs' shared group element, by least squares (``B >= D`` pairs)."""
    encoder = None
    if body.job_id is not None:
        encoder = _encoder(settings, store, body.job_id, owner)[0]
    return EbcRepresentationResult(**represent_pairs(body.x, body.x_prime, encoder))
