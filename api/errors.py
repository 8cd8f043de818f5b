"""Domain exceptions -> HTTP answers. A user's mistake is a 4xx that says what is wrong."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from service.errors import InvalidInput, ModelUnavailable, NotFound, NotReady, OverQuota

__all__ = ["RETRY_AFTER_SECONDS", "install_error_handlers"]

RETRY_AFTER_SECONDS = "5"
"""What a 429 or a 503 of an inline request asks the client to wait, in seconds."""


def _echoable(error: dict[str, Any]) -> dict[str, Any]:
    """A validation error whose echoed ``input`` is dropped when JSON cannot carry it (NaN)."""
    error = jsonable_encoder(error)
    try:
        json.dumps(error, allow_nan=False)
    except ValueError:
        return {key: value for key, value in error.items() if key not in ("input", "ctx")}
    return error


def install_error_handlers(app: FastAPI) -> None:
    """Map the project's errors (:mod:`service.errors`) to HTTP, once for every route.

    ``InvalidInput`` 422 with its ``errors`` as ``detail``; ``NotFound`` 404; ``NotReady`` 409;
    ``OverQuota`` 429 with ``Retry-After``; ``ModelUnavailable`` 503.

    Request validation errors stay FastAPI's 422, minus echoed values JSON cannot hold: a NaN
    or Infinity in a body would otherwise turn the answer into a 500.
    """

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            status_code=422, content={"detail": [_echoable(e) for e in exc.errors()]}
        )

    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, exc: InvalidInput) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": exc.errors})

    @app.exception_handler(NotFound)
    async def _missing(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    @app.exception_handler(NotReady)
    async def _not_ready(_: Request, exc: NotReady) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(exc)})

    @app.exception_handler(OverQuota)
    async def _over_quota(_: Request, exc: OverQuota) -> JSONResponse:
        return JSONResponse(
            status_code=429,
            content={"detail": f"{exc}; retry later, or submit the request with POST /v1/jobs"},
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        )

    @app.exception_handler(ModelUnavailable)
    async def _no_model(_: Request, exc: ModelUnavailable) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(exc)})
