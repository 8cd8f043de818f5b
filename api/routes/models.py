"""``GET /v1/models``: the shipped checkpoints and their measured metrics."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import RegistryDep
from api.schemas import ModelPublic

router = APIRouter(prefix="/v1", tags=["models"])


@router.get("/models", response_model=list[ModelPublic])
def list_models(registry: RegistryDep) -> list[ModelPublic]:
    """Every checkpoint with its model card."""
    return [
        ModelPublic(task=i.task, treatment=i.treatment, checkpoint=i.checkpoint.name, card=i.card)
        for i in registry.available()
    ]
