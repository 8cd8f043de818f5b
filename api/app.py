"""The FastAPI app factory: routers, error handlers, pages, and the worker pool's lifetime."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from api.body_limit import install_body_limit
from api.deps import require_key
from api.docs import install_docs
from api.errors import install_error_handlers
from api.metrics import install_metrics
from api.routes import (
    backbones,
    conformers,
    health,
    jobs,
    models,
    molecules,
)
from api.routes.aux import cogs as aux_cogs
from api.routes.aux import ebc as aux_ebc
from api.routes.aux import equizero as aux_equizero
from api.routes.aux import latent as aux_latent
from api.routes.aux import meanfield as aux_meanfield
from api.routes.aux import pdinet as aux_pdinet
from api.web import install_console
from service.config import Settings, get_settings
from service.jobs.inline import InlineBatcher
from service.jobs.local_executor import make_executor
from service.jobs.store import JobStore
from service.registry import ModelRegistry

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The qsdiff app; starts ``settings.cpu_workers`` local workers while it runs."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        settings.results_dir.mkdir(parents=True, exist_ok=True)
        app.state.settings = settings
        app.state.store = JobStore(settings.job_database_url)
        app.state.registry = ModelRegistry(settings.checkpoint_dir)
        app.state.batcher = InlineBatcher(
            app.state.registry, settings.max_sync_pending, settings.worker_batch_samples
        )
        app.state.batcher.start()
        app.state.open_streams = Counter()  # event streams open per API key
        executor = make_executor(settings)
        app.state.executor = executor
        if executor is not None:
            executor.start()
        try:
            yield
        finally:
            app.state.batcher.stop()
            if executor is not None:
                executor.stop()

    app = FastAPI(
        title="qsdiff",
        version="0.1.0",
        summary="Quotient-space SE(3) diffusion for molecular structures.",
        lifespan=lifespan,
        docs_url=None,  # install_docs serves /docs without a CDN, and the schema, both guarded
        redoc_url=None,
        openapi_url=None,
    )
    app.include_router(health.router)
    routers = (
        models.router,
        conformers.router,
        molecules.router,
        backbones.router,
        jobs.router,
        aux_pdinet.router,
        aux_ebc.router,
        aux_cogs.router,
        aux_equizero.router,
        aux_latent.router,
        aux_meanfield.router,
    )
    for router in routers:
        app.include_router(router, dependencies=[Depends(require_key)])
    install_error_handlers(app)
    install_metrics(app)
    install_body_limit(app, settings.max_body_bytes)
    install_console(app)
    install_docs(app)
    return app
