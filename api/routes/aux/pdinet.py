"""``/v1/aux/pdinet``: PDINet digit classification and the projective invariance check."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SettingsDep
from service.aux import pdinet as aux_pdinet

router = APIRouter(prefix="/v1/aux/pdinet", tags=["aux"])

_ERRORS = {
    422: {"description": "bad input; ``detail[].loc`` names the field"},
    503: {"description": "no trained PDINet checkpoint on this server"},
}

Row = Annotated[list[float], Field(min_length=1, max_length=aux_pdinet.MAX_SIDE)]
Pixel = Annotated[list[float], Field(min_length=1, max_length=3)]
ColourRow = Annotated[list[Pixel], Field(min_length=1, max_length=aux_pdinet.MAX_SIDE)]
MatrixRow = Annotated[list[float], Field(min_length=3, max_length=3)]


class PDINetClassify(BaseModel):
    """One image: ``H x W`` grey (ink bright on dark) or ``H x W x 3`` card, 8-128 px a side."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"image": [[0.0] * 8, *([[0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0]] * 6), [0.0] * 8]}
            ]
        },
    )

    image: (
        Annotated[list[Row], Field(min_length=1, max_length=aux_pdinet.MAX_SIDE)]
        | Annotated[list[ColourRow], Field(min_length=1, max_length=aux_pdinet.MAX_SIDE)]
    ) = Field(
        description="rows of pixels: numbers (grey, painted on the upright card) or "
        "[ink, x gradient, y gradient] triples (a card as the model sees it)"
    )


class PDINetClassification(BaseModel):
    """Probabilities of the digits 0-9 from the shipped checkpoint."""

    probabilities: list[float] = Field(description="P(digit = k) for k = 0..9")
    label: int = Field(description="the most likely digit")
    checkpoint: str


class PDINetInvarianceCheck(BaseModel):
    """A homography of the normalised view ``[-1, 1]^2`` (x along columns, y along rows)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"homography": [[1.0, 0.2, 0.05], [-0.1, 0.9, 0.0], [0.2, -0.15, 1.0]]}]
        },
    )

    homography: Annotated[list[MatrixRow], Field(min_length=3, max_length=3)] = Field(
        description="3x3 matrix H, x̃ ~ H x; must be invertible and keep its horizon off the view"
    )
    size: int = Field(64, ge=32, le=128, description="side of the rendered test scene, pixels")


class PDINetInvariance(BaseModel):
    """Relative L2 change ``‖f̃(x̃) - f(x)‖ / ‖f(x)‖`` of each family of maps."""

    raw_derivatives: float = Field(description="the Gaussian jet ∂u, ∂²u (not invariant)")
    relative_invariants: float = Field(description="I, M, J before normalisation")
    normalised_invariants: float = Field(description="I/J_ref², M/J_ref², J/J_ref (invariant)")
    num_points: int = Field(description="corresponding interior points compared")
    det_min: float = Field(description="smallest area scale det ∂x̃/∂x over those points")
    det_max: float = Field(description="largest area scale det ∂x̃/∂x over those points")


@router.post("/classify", response_model=PDINetClassification, responses=_ERRORS)
def classify(body: PDINetClassify, settings: SettingsDep) -> PDINetClassification:
    """Digit probabilities from the shipped PDINet (trained upright, robust to homographies)."""
    result = aux_pdinet.classify(body.image, settings.checkpoint_dir)
    return PDINetClassification(**asdict(result))


@router.post("/invariance", response_model=PDINetInvariance, responses=_ERRORS)
def invariance(body: PDINetInvarianceCheck) -> PDINetInvariance:
    """How much raw and normalised maps of a smooth test scene change under the homography."""
    result = aux_pdinet.check_invariance(body.homography, body.size)
    return PDINetInvariance(**asdict(result))
