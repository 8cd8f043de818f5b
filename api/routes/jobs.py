"""Jobs: submit (202), inspect, list, cancel, stream progress, download results."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path as FsPath
from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import ValidationError

from api.deps import OwnerDep, RegistryDep, SettingsDep, StoreDep
from api.schemas import JobCreate, JobList, JobPublic
from api.submission import queue_job
from service.errors import OverQuota
from service.jobs.records import FINISHED, JobStatus
from service.jobs.tasks import TASKS, InvalidTaskInput
from service.jobs.worker import results_path

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

JobId = Annotated[str, Path(pattern="^[0-9a-f]{32}$", description="as returned on submission")]
MAX_OFFSET = 2**63 - 1
"""The largest ``OFFSET`` SQLite and PostgreSQL take (a signed 64-bit integer)."""
MEDIA_TYPES = {
    "sdf": "chemical/x-mdl-sdfile",
    "pdb": "chemical/x-pdb",
    "cif": "chemical/x-mmcif",
    "json": "application/json",
    "png": "image/png",
}


@router.post("", status_code=202, response_model=JobPublic)
def submit(
    body: JobCreate,
    response: Response,
    store: StoreDep,
    registry: RegistryDep,
    settings: SettingsDep,
    owner: OwnerDep,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> JobPublic:
    """Queue a job; ``Location`` names it. A repeated idempotency key returns the first job."""
    task = TASKS[body.task]
    try:
        params = task.params_model.model_validate(body.params)
    except ValidationError as e:
        raise InvalidTaskInput(
            [{"loc": ["params", *err["loc"]], "msg": err["msg"]} for err in e.errors()]
        ) from e
    job = queue_job(
        body.task,
        params,
        store=store,
        registry=registry,
        settings=settings,
        owner=owner,
        idempotency_key=body.idempotency_key or idempotency_key,
    )
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return JobPublic.of(job)


@router.get("", response_model=JobList)
def list_jobs(
    store: StoreDep,
    owner: OwnerDep,
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> JobList:
    """Jobs, newest first, optionally of one status."""
    jobs, total = store.list(status, limit, offset, owner=owner)
    return JobList(jobs=[JobPublic.of(j) for j in jobs], total=total, limit=limit, offset=offset)


@router.get("/{job_id}", response_model=JobPublic)
def get_job(job_id: JobId, store: StoreDep, owner: OwnerDep) -> JobPublic:
    """Status, progress, timestamps and error of one job."""
    return JobPublic.of(store.get(job_id, owner))


@router.delete("/{job_id}", response_model=JobPublic)
def cancel_job(job_id: JobId, store: StoreDep, owner: OwnerDep) -> JobPublic:
    """Cancel: at once when queued, within a few sampler steps when running."""
    return JobPublic.of(store.cancel(job_id, owner))


@router.get("/{job_id}/results")
def results(
    job_id: JobId,
    store: StoreDep,
    settings: SettingsDep,
    owner: OwnerDep,
    format: Literal["sdf", "pdb", "cif", "json", "png", "zip"] = "sdf",
) -> Response:
    """The result files of a succeeded job, streamed (``zip`` holds all of them).

    ``sdf``: conformers and molecules; ``pdb`` and ``cif``: backbones; ``json``: the manifest
    with per-sample metrics (or an auxiliary run's curves); ``png``: a plot of them. A job
    stopped at the wall-clock limit failed, but keeps the samples it finished: its files are
    those (its error says so).
    """
    job = store.get(job_id, owner)
    if job.status != JobStatus.SUCCEEDED and job.result_path is None:
        raise HTTPException(
            status_code=409,
            detail=f"job {job_id} is {job.status.value}; results exist once it has succeeded",
        )
    files = {
        fmt: path
        for fmt, name in TASKS[job.task].files.items()
        if (path := results_path(settings, job, name)).is_file()
    }
    if format != "zip":
        if format not in files:
            raise HTTPException(
                status_code=404,
                detail=f"job {job_id} has no {format} result; it has {sorted(files)}",
            )
        return FileResponse(
            files[format],
            media_type=MEDIA_TYPES[format],
            filename=f"{job_id}.{format}",
        )
    return StreamingResponse(
        _zip_stream(list(files.values())),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{job_id}.zip"'},
    )


class _Chunks(io.RawIOBase):
    """A write-only, unseekable sink whose bytes are taken out as they come."""

    def __init__(self) -> None:
        self._pending = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._pending += data
        return len(data)

    def take(self) -> bytes:
        out, self._pending = bytes(self._pending), bytearray()
        return out


def _zip_stream(paths: list[FsPath]) -> Iterator[bytes]:
    """A zip of ``paths`` made while it is sent: a megabyte at a time, never whole in memory."""
    sink = _Chunks()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            with path.open("rb") as source, archive.open(path.name, "w", force_zip64=True) as out:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
                    yield sink.take()
    yield sink.take()  # the central directory, written on close


@router.get("/{job_id}/events")
async def events(
    job_id: JobId, request: Request, store: StoreDep, owner: OwnerDep
) -> StreamingResponse:
    """Server-sent events: ``progress`` whenever it changes, then ``end`` when finished.

    At most ``max_streams_per_key`` open at once per API key (429 beyond).
    """
    store.get(job_id, owner)  # 404 before the stream starts
    open_streams: Counter[str | None] = request.app.state.open_streams
    limit = request.app.state.settings.max_streams_per_key
    if open_streams[owner] >= limit:
        raise OverQuota(f"{limit} event streams are open for this key already; close one first")
    open_streams[owner] += 1

    async def stream() -> AsyncIterator[str]:
        try:
            async for event in _progress_events(job_id, request, store):
                yield event
        finally:
            open_streams[owner] -= 1

    return StreamingResponse(stream(), media_type="text/event-stream")


async def _progress_events(job_id: str, request: Request, store) -> AsyncIterator[str]:
    """``progress`` events while the job changes, ``end`` when it finishes."""
    last = None
    while not await request.is_disconnected():
        job = await asyncio.to_thread(store.get, job_id)
        state = (job.status, job.progress_done)
        if state != last:
            payload = JobPublic.of(job).model_dump(mode="json")
            yield f"event: progress\ndata: {json.dumps(payload)}\n\n"
            last = state
        if job.status in FINISHED:
            yield f"event: end\ndata: {json.dumps({'status': job.status.value})}\n\n"
            return
        await asyncio.sleep(0.5)
