"""Dependencies of the routes: the app's settings, job store, model registry."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.config import Settings
from service.jobstore import JobStore
from service.registry import ModelRegistry

__all__ = ["RegistryDep", "SettingsDep", "StoreDep"]


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _store(request: Request) -> JobStore:
    return request.app.state.store


def _registry(request: Request) -> ModelRegistry:
    return request.app.state.registry


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[JobStore, Depends(_store)]
RegistryDep = Annotated[ModelRegistry, Depends(_registry)]
