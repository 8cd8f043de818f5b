"""The request body limit, counted on the bytes actually read (chunked bodies too)."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["install_body_limit"]


class _BodyTooLarge(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request body too large; the limit is {max_bytes} bytes")


class _BodyLimit:
    """ASGI middleware: 413 once a body passes ``max_bytes``, declared or streamed.

    The count is kept on ``receive``, so nothing past the limit is read, buffered or parsed;
    a route reads its body before its dependencies run, authentication included.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received, started = 0, False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge(self.max_bytes)  # a route answers it as its 413
            return message

        async def noting_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, noting_send)
        except _BodyTooLarge:  # read outside a route: answer here
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = _BodyTooLarge(self.max_bytes).detail
        response = JSONResponse({"detail": detail}, 413, headers={"Connection": "close"})
        await response(scope, receive, send)


def install_body_limit(app: FastAPI, max_bytes: int) -> None:
    """Answer 413, naming the limit, to a body above ``max_bytes``."""
    app.add_middleware(_BodyLimit, max_bytes=max_bytes)
