"""Domain exceptions -> HTTP answers. A user's mistake is a 4xx that says what is wrong."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from service.jobstore import JobNotFound
from service.registry import ModelNotAvailable
from service.tasks import InvalidTaskInput

__all__ = ["install_error_handlers"]


def install_error_handlers(app: FastAPI) -> None:
    """Map ``InvalidTaskInput`` to 422, ``JobNotFound`` to 404, ``ModelNotAvailable`` to 422."""

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
