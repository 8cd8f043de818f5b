"""``/healthz`` (the process answers) and ``/readyz`` (it can do work)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import RegistryDep, StoreDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the server answers."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request, store: StoreDep, registry: RegistryDep) -> JSONResponse:
    """Readiness: database reachable, checkpoints present, inline engine and workers alive."""
    checks: dict[str, str] = {}
    try:
        store.ping()
        checks["database"] = "ok"
    except Exception as e:
        checks["database"] = f"unreachable: {type(e).__name__}"
    models = registry.available()
    checks["models"] = f"{len(models)} checkpoints" if models else "no checkpoints shipped"
    inline = request.app.state.batcher.alive()
    checks["inline"] = "ok" if inline else "stopped"
    executor = request.app.state.executor
    workers_ok = True
    if executor is not None:
        alive = executor.alive()  # asked once: a Ray executor pings every actor
        checks["workers"] = f"{alive}/{executor.count} alive"
        workers_ok = alive > 0 or executor.count == 0
    ready = checks["database"] == "ok" and bool(models) and inline and workers_ok
    return JSONResponse(
        status_code=200 if ready else 503, content={"ready": ready, "checks": checks}
    )
