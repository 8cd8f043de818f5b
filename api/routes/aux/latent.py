"""``POST /v1/aux/latent/transform``: rotate a digit through an autoencoder's latent code.

Bad input is a 422 whose ``detail`` names the field.
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SettingsDep
from service.aux.latent import (
    CHECKPOINT_NAME,
    IMAGE_SIDE,
    MAX_ABS_ANGLE,
    MAX_ANGLES,
    png_bytes,
    transform_image,
)

__all__ = ["LatentTransformRequest", "LatentTransformResult", "router"]


router = APIRouter(prefix="/v1/aux/latent", tags=["aux"])

Pixel = Annotated[float, Field(ge=0, le=1, strict=True, allow_inf_nan=False)]
Row = Annotated[list[Pixel], Field(min_length=IMAGE_SIDE, max_length=IMAGE_SIDE)]
Angle = Annotated[
    float, Field(ge=-MAX_ABS_ANGLE, le=MAX_ABS_ANGLE, strict=True, allow_inf_nan=False)
]

_EXAMPLE_IMAGE = [[0.0] * IMAGE_SIDE for _ in range(IMAGE_SIDE)]


class LatentTransformRequest(BaseModel):
    """An image and the rotation(s) to apply to what it shows."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"image": _EXAMPLE_IMAGE, "angle_degrees": 90, "occluded": False}]
        },
    )

    image: Annotated[list[Row], Field(min_length=IMAGE_SIDE, max_length=IMAGE_SIDE)] = Field(
        description=f"{IMAGE_SIDE}x{IMAGE_SIDE} greyscale digit, rows top to bottom, in [0, 1]"
    )
    angle_degrees: Angle | Annotated[list[Angle], Field(min_length=1, max_length=MAX_ANGLES)] = (
        Field(
            description="counter-clockwise degrees; a list applies its angles in turn (composed)",
            examples=[90, [30, 45]],
        )
    )
    occluded: bool = Field(
        default=False,
        strict=True,
        description="use the model trained with a fixed grey block (rows 3-9, columns 13-19)",
    )
    png: bool = Field(default=False, strict=True, description="also return a base64 PNG")


class LatentTransformResult(BaseModel):
    """The predicted rotated image."""

    image: list[list[float]] = Field(description=f"{IMAGE_SIDE}x{IMAGE_SIDE}, values in [0, 1]")
    angles_degrees: list[float] = Field(description="the angles applied, in order")
    total_angle_degrees: float = Field(description="their sum: the composed rotation")
    occluded: bool
    model: str = Field(description="which checkpoint entry answered", examples=["latent-plain"])
    png_base64: str | None = Field(None, description="8-bit greyscale PNG, when asked")


@router.post("/transform", response_model=LatentTransformResult)
def transform(request: LatentTransformRequest, settings: SettingsDep) -> LatentTransformResult:
    """Encode, act on the latent code by each angle in turn, decode."""
    angles = request.angle_degrees
    angles = angles if isinstance(angles, list) else [angles]
    image = transform_image(
        request.image, angles, request.occluded, settings.checkpoint_dir / CHECKPOINT_NAME
    )
    png = base64.b64encode(png_bytes(image)).decode() if request.png else None
    return LatentTransformResult(
        image=image.astype(float).round(5).tolist(),
        angles_degrees=angles,
        total_angle_degrees=sum(angles),
        occluded=request.occluded,
        model="latent-occluded" if request.occluded else "latent-plain",
        png_base64=png,
    )
