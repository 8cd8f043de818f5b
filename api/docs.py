"""The OpenAPI page at ``/docs``, with Swagger UI served from this server.

FastAPI's default page loads Swagger UI from a CDN, which a machine without internet access
cannot reach; the files ship in ``api/docs_assets/`` instead (see its README).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.deps import key_unless_public

__all__ = ["DOCS_ASSETS_DIR", "install_docs"]

DOCS_ASSETS_DIR = Path(__file__).parent / "docs_assets"


def install_docs(app: FastAPI) -> None:
    """``GET /docs`` (Swagger UI, its files under ``/docs/assets``) and ``/openapi.json``.

    Behind the API keys when they are on, unless ``docs_public`` opens them. The app is built
    with ``openapi_url=None`` so that FastAPI's own, unguarded schema route does not exist.
    """
    app.mount("/docs/assets", StaticFiles(directory=DOCS_ASSETS_DIR), name="docs-assets")
    guard = [Depends(key_unless_public("docs_public"))]

    @app.get("/openapi.json", include_in_schema=False, dependencies=guard)
    def openapi() -> dict:
        return app.openapi()

    @app.get("/docs", include_in_schema=False, dependencies=guard)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon-32x32.png",
        )
