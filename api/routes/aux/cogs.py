"""``/v1/aux/cogs``: constructed global solutions of group addition and their analysis.

Bounds: group order (product of ``moduli``) at most 127, odd for ``construct``; ``analyse``
takes at most 512 hidden nodes and finite numbers. A request that breaks them is a 422 naming
the field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from service.aux.cogs import (
    MAX_ANALYSE_NODES,
    MAX_GROUP_ORDER,
    analyse_weights,
    construct_solution,
)
from service.limits import MAX_SEED

router = APIRouter(prefix="/v1/aux/cogs", tags=["aux"])

Modulus = Annotated[int, Field(ge=2, le=MAX_GROUP_ORDER)]
Moduli = Annotated[
    list[Modulus],
    Field(
        min_length=1,
        max_length=7,
        description=f"cyclic factors Z_n1 x Z_n2 ...; their product at most {MAX_GROUP_ORDER}",
        examples=[[23], [5, 5]],
    ),
]
Row = Annotated[list[float], Field(max_length=MAX_GROUP_ORDER)]


class ConstructRequest(BaseModel):
    """``POST /v1/aux/cogs/construct``."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"moduli": [23], "order": 6}]}
    )

    moduli: Moduli
    order: Literal[4, 6] = Field(
        6, description="6: z_nu * z_syn per frequency; 4: mixed z_F4/6 (2d nodes in all)"
    )
    seed: int = Field(0, ge=0, le=MAX_SEED, description="draws nu and xi per frequency")


class ConstructResult(BaseModel):
    """The constructed network and the loss it reaches."""

    moduli: list[int]
    group_order: int
    order: int
    num_nodes: int
    projected_loss: float = Field(description="E |P(f - e_{x+y})|^2 over all pairs (0 = optimum)")
    fourier_loss: float = Field(description="the same loss from the sum potentials")
    accuracy: float
    node_frequency: list[list[int]] = Field(description="the frequency of each hidden node")
    w_a: list[list[float]] = Field(description="[q, d] first-operand weights")
    w_b: list[list[float]] = Field(description="[q, d] second-operand weights")
    w_c: list[list[float]] = Field(description="[d, q] output weights (f = w_c h / 2d)")


class AnalyseRequest(BaseModel):
    """``POST /v1/aux/cogs/analyse``: ``f_t = sum_j w_c[t,j] (w_a[j,x] + w_b[j,y])^2 / 2d``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"moduli": [3], "w_a": [[1, 0, -1]], "w_b": [[0, 1, -1]], "w_c": [[1], [0], [-1]]}
            ]
        },
    )

    moduli: Moduli
    w_a: list[Row] = Field(max_length=MAX_ANALYSE_NODES, description="[q, d]")
    w_b: list[Row] = Field(max_length=MAX_ANALYSE_NODES, description="[q, d]")
    w_c: list[Annotated[list[float], Field(max_length=MAX_ANALYSE_NODES)]] = Field(
        max_length=MAX_GROUP_ORDER, description="[d, q]"
    )
    alive: float = Field(0.05, gt=0, lt=1, description="live-node norm, relative to the largest")
    tol: float = Field(0.1, gt=0, lt=1, description="factorisation and vanishing-SP tolerance")


class FrequencyPublic(BaseModel):
    """The live nodes of one frequency pair {k, -k}."""

    frequency: list[int]
    num_nodes: int
    kind: str = Field(description="order-4 (z_{nu=i} * z_xi), order-6 (z_nu * z_syn), or other")
    factor_error: float | None


class AnalyseResult(BaseModel):
    """Per-frequency structure of the weights."""

    moduli: list[int]
    num_nodes: int
    num_alive: int
    purity: float = Field(description="mean share of a live node's power at its frequency")
    projected_loss: float
    accuracy: float
    match_fraction: float = Field(description="share of frequencies matching a constructed type")
    frequencies: list[FrequencyPublic]


@router.post("/construct", response_model=ConstructResult)
def construct(request: ConstructRequest) -> Any:
    """An order-6 or order-4/6 global solution, verified on every pair of the group."""
    return construct_solution(request.moduli, request.order, request.seed)


@router.post("/analyse", response_model=AnalyseResult)
def analyse(request: AnalyseRequest) -> Any:
    """Which frequencies hold which constructed solution type."""
    return analyse_weights(
        request.moduli, request.w_a, request.w_b, request.w_c, request.alive, request.tol
    )
