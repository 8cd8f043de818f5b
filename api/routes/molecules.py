"""``POST /v1/molecules``: a few de novo molecules answered inline."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import BatcherDep, RegistryDep, SettingsDep
from api.inline import INLINE_RESPONSES, run_inline
from api.schemas import MoleculeResult
from service.jobs.tasks import MoleculeParams

router = APIRouter(prefix="/v1", tags=["molecules"])


@router.post("/molecules", response_model=MoleculeResult, responses=INLINE_RESPONSES)
async def molecules(
    params: MoleculeParams, settings: SettingsDep, registry: RegistryDep, batcher: BatcherDep
) -> MoleculeResult:
    """A few new molecules; larger requests go through ``POST /v1/jobs``."""
    result, elapsed = await run_inline("molecules", params, settings, registry, batcher)
    return MoleculeResult(
        sdf=result.files["sdf"],
        **MoleculeResult.shared(params, result, elapsed),
    )
