"""``POST /v1/conformers``: small conformer requests answered inline."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api.deps import RegistryDep, SettingsDep
from api.schemas import ConformerResult
from service.tasks import TASKS, ConformerParams, InvalidTaskInput

router = APIRouter(prefix="/v1", tags=["conformers"])


@router.post("/conformers", response_model=ConformerResult)
async def conformers(
    params: ConformerParams, settings: SettingsDep, registry: RegistryDep
) -> ConformerResult:
    """Conformers for a few SMILES; larger requests go through ``POST /v1/jobs``."""
    task = TASKS["conformers"]
    total = task.check(params, registry)
    if total > settings.max_sync_samples:
        raise InvalidTaskInput(
            [
                {
                    "loc": ["num_samples"],
                    "msg": f"{total} samples ({len(params.smiles)} molecules x "
                    f"{params.num_samples}) is above the inline limit of "
                    f"{settings.max_sync_samples}; submit it with POST /v1/jobs",
                }
            ]
        )
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="qsdiff-sync-") as folder:
        out = await run_in_threadpool(
            task.run, params, registry, Path(folder), lambda _: None, lambda: False
        )
        sdf = (Path(folder) / out.files["sdf"]).read_text()
    return ConformerResult(
        sdf=sdf,
        samples=out.manifest["samples"],
        num_samples=params.num_samples,
        seed=params.seed,
        treatment=params.treatment,
        sampler=params.sampler,
        num_steps=params.num_steps,
        elapsed_seconds=round(time.perf_counter() - start, 3),
    )
