"""The web console: ``/`` serves its page, ``/console/`` its static files (no build step).

The page is plain HTML, CSS and JavaScript shipped in ``api/console/`` with 3Dmol.js vendored
in ``api/console/vendor/``; it talks to the same ``/v1`` API as every other client and loads
nothing from elsewhere (the Content-Security-Policy allows this origin only).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["CONSOLE_DIR", "install_console"]

CONSOLE_DIR = Path(__file__).parent / "console"

# This origin only: the page, its scripts, the API (fetch) and 3Dmol's canvases.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    )
)


def install_console(app: FastAPI) -> None:
    """``GET /`` answers the console page; ``/console/...`` its assets. No API route moves."""

    @app.get("/", include_in_schema=False)
    def console() -> FileResponse:
        return FileResponse(
            CONSOLE_DIR / "index.html",
            headers={
                "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                "Cache-Control": "no-cache",
            },
        )

    app.mount("/console", StaticFiles(directory=CONSOLE_DIR), name="console")
