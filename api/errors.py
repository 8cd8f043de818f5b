"""Domain exceptions -> HTTP answers. A user's mistake is a 4xx that says what is wrong."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from service.jobs.store import JobNotFound
from service.jobs.tasks import InvalidTaskInput
from service.registry import ModelNotAvailable

__all__ = ["install_error_handlers"]


def _echoable(error: dict[str, Any]) -> dict[str, Any]:
    """A validation error whose echoed ``input`` is dropped when JSON cannot carry it (NaN)."""
    error = jsonable_encoder(error)
    try:
        json.dumps(error, allow_nan=False)
    except ValueError:
        return {key: value for key, value in error.items() if key not in ("input", "ctx")}
    return error


def install_error_handlers(app: FastAPI) -> None:
    """Map ``InvalidTaskInput`` to 422, ``JobNotFound`` to 404, ``ModelNotAvailable`` to 422.

    Request validation errors stay FastAPI's 422, minus echoed values JSON cannot hold: a NaN
    or Infinity in a body would otherwise turn the answer into a 500.
    """

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            status_code=422, content={"detail": [_echoable(e) for e in exc.errors()]}
        )

    @app.exception_handler(InvalidTaskInput)
    async def _invalid(_: Request, exc: InvalidTaskInput) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": exc.errors})

    @app.exception_handler(JobNotFound)
    async def _missing(_: Request, exc: JobNotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    @app.exception_handler(ModelNotAvailable)
    async def _no_model(_: Request, exc: ModelNotAvailable) -> JSONResponse:
        return JSONResponse(
            status_code=422, content={"detail": [{"loc": ["treatment"], "msg": str(exc)}]}
        )
