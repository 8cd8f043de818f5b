"""Dependencies of the routes: settings, job store, model registry, the caller's identity."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.config import Settings
from service.jobs.inline import InlineBatcher
from service.jobs.store import JobStore
from service.registry import ModelRegistry

__all__ = [
    "BatcherDep",
    "OwnerDep",
    "RegistryDep",
    "SettingsDep",
    "StoreDep",
    "key_unless_public",
    "require_key",
]


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _store(request: Request) -> JobStore:
    return request.app.state.store


def _registry(request: Request) -> ModelRegistry:
    return request.app.state.registry


def _batcher(request: Request) -> InlineBatcher:
    return request.app.state.batcher


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[JobStore, Depends(_store)]
RegistryDep = Annotated[ModelRegistry, Depends(_registry)]
BatcherDep = Annotated[InlineBatcher, Depends(_batcher)]


_bearer = HTTPBearer(auto_error=False)


def require_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    """The caller's owner id (a hash of its key), or None when the API is open.

    With ``QSDIFF_API_KEYS`` set, a missing or unknown bearer key is a 401.
    """
    keys = request.app.state.settings.api_key_set
    if not keys:
        return None
    given = credentials.credentials if credentials is not None else ""
    # bytes, not str: compare_digest refuses non-ASCII text, and any header text is a wrong key
    given_bytes = given.encode("utf-8", "replace")
    if not any(hmac.compare_digest(given_bytes, key.encode()) for key in keys):
        raise HTTPException(
            status_code=401,
            detail="a valid API key is required: send 'Authorization: Bearer KEY'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return hashlib.sha256(given.encode()).hexdigest()[:32]


OwnerDep = Annotated[str | None, Depends(require_key)]


def key_unless_public(setting: str) -> Callable[..., None]:
    """A dependency: the API key, unless the boolean ``setting`` opens the route to anyone."""

    def guard(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        if not getattr(request.app.state.settings, setting):
            require_key(request, credentials)

    return guard
