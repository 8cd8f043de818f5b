"""``/v1/aux/meanfield``: what an ``aux_meanfield`` job can measure, and its limits.

The curves themselves are a job (``POST /v1/jobs {"task": "aux_meanfield", ...}``, results as
``json`` and ``png``); this route tells a client the groups (with ``dim E^G``), schemes,
teachers and bounds before it submits one.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from service.aux.meanfield import MAX_SIZE, MAX_WORK, MeanfieldParams

router = APIRouter(prefix="/v1/aux/meanfield", tags=["aux"])

SCHEMES = {
    "free": "plain SGD on the samples as they come",
    "da": "data augmentation: each sample moved by a random g",
    "fa": "feature averaging: the model symmetrised, f^G(x) = mean_g f(g x)",
    "ea": "equivariant architecture: every unit kept in E^G (started on it)",
}
TEACHERS = {
    "wi": "weakly invariant: its units form G-orbits (optimum not in E^G)",
    "si": "strongly invariant: its units lie in E^G",
    "arbitrary": "two generic units, not invariant (the control)",
}
GROUPS = {"c2": (2, 3), "c3": (3, 3)}
"""Group -> (input dimension d, dim E^G); a unit has d + 2 parameters ``(a, w, b)``."""


class GroupInfo(BaseModel):
    """A group acting on inputs by permutations, and on units' ``w``."""

    input_dim: int
    param_dim: int
    fixed_dim: int = Field(description="dimension of E^G, the parameters an EA unit may take")


class MeanfieldOptions(BaseModel):
    """The choices of an ``aux_meanfield`` job and their bounds."""

    task: str = "aux_meanfield"
    groups: dict[str, GroupInfo]
    schemes: dict[str, str]
    teachers: dict[str, str]
    max_size: int
    max_work: float = Field(description="bound on steps * batch * N * |G| summed over trainings")
    defaults: dict[str, Any]
    result_formats: list[str]


@router.get("/schemes", response_model=MeanfieldOptions)
def schemes() -> MeanfieldOptions:
    """Groups, schemes and teachers a job may name, with defaults and limits."""
    return MeanfieldOptions(
        groups={
            name: GroupInfo(input_dim=d, param_dim=d + 2, fixed_dim=k)
            for name, (d, k) in GROUPS.items()
        },
        schemes=SCHEMES,
        teachers=TEACHERS,
        max_size=MAX_SIZE,
        max_work=MAX_WORK,
        defaults=MeanfieldParams().model_dump(),
        result_formats=["json", "png", "zip"],
    )
