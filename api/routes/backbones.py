"""``POST /v1/backbones``: a few protein backbones answered inline."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import BatcherDep, RegistryDep, SettingsDep
from api.inline import INLINE_RESPONSES, run_inline
from api.schemas import BackboneResult
from service.jobs.tasks import BackboneParams

router = APIRouter(prefix="/v1", tags=["backbones"])


@router.post("/backbones", response_model=BackboneResult, responses=INLINE_RESPONSES)
async def backbones(
    params: BackboneParams, settings: SettingsDep, registry: RegistryDep, batcher: BatcherDep
) -> BackboneResult:
    """A few backbones; larger requests go through ``POST /v1/jobs``."""
    result, elapsed = await run_inline("backbones", params, settings, registry, batcher)
    return BackboneResult(
        pdb=result.files["pdb"],
        cif=result.files["cif"],
        lengths=params.all_lengths,
        **BackboneResult.shared(params, result, elapsed),
    )
