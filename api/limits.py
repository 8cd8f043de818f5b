"""Limits that protect the server: request body size."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

__all__ = ["install_body_limit"]


def install_body_limit(app: FastAPI, max_bytes: int) -> None:
    """Answer 413 to a request whose declared body is above ``max_bytes``."""

    @app.middleware("http")
    async def _limit_body(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            return JSONResponse(
                status_code=413,
                content={"detail": f"request body of {declared} bytes; the limit is {max_bytes}"},
            )
        return await call_next(request)
