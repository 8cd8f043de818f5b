"""``POST /v1/conformers``: small conformer requests answered inline."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import BatcherDep, RegistryDep, SettingsDep
from api.inline import INLINE_RESPONSES, run_inline
from api.schemas import ConformerResult
from service.jobs.tasks import ConformerParams

router = APIRouter(prefix="/v1", tags=["conformers"])


@router.post("/conformers", response_model=ConformerResult, responses=INLINE_RESPONSES)
async def conformers(
    params: ConformerParams, settings: SettingsDep, registry: RegistryDep, batcher: BatcherDep
) -> ConformerResult:
    """Conformers for a few SMILES; larger requests go through ``POST /v1/jobs``.

    Concurrent requests with the same treatment, sampler and ``num_steps`` are sampled in one
    batch; the answer does not depend on what it was batched with (ODE sampler).
    """
    result, elapsed = await run_inline("conformers", params, settings, registry, batcher)
    return ConformerResult(
        sdf=result.files["sdf"], **ConformerResult.shared(params, result, elapsed)
    )
