"""``POST /v1/aux/equizero/classify``: an 8x8 digit classified by M or one of its wrappers."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SettingsDep
from service.aux.equizero import (
    IMAGE_SIZE,
    PIXEL_MAX,
    classify_digit,
    load_trained,
    parse_image,
)

router = APIRouter(prefix="/v1/aux/equizero", tags=["aux"])

# 0..16 and finiteness are checked by parse_image, not here: pydantic's error would echo a NaN
# back, which the JSON error response cannot encode (a 500 instead of a 422).
Pixel = Annotated[float, Field(strict=True, json_schema_extra={"minimum": 0, "maximum": PIXEL_MAX})]
Row = Annotated[list[Pixel], Field(min_length=IMAGE_SIZE, max_length=IMAGE_SIZE)]
_EXAMPLE = [
    [0, 0, 5, 13, 9, 1, 0, 0],
    [0, 0, 13, 15, 10, 15, 5, 0],
    [0, 3, 15, 2, 0, 11, 8, 0],
    [0, 4, 12, 0, 0, 8, 8, 0],
    [0, 5, 8, 0, 0, 9, 8, 0],
    [0, 4, 11, 0, 1, 12, 7, 0],
    [0, 2, 14, 5, 10, 12, 0, 0],
    [0, 0, 6, 13, 10, 0, 0, 0],
]  # scikit-learn's first digit, a 0


class DigitClassify(BaseModel):
    """``POST /v1/aux/equizero/classify``: one image, the group and the method."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"image": _EXAMPLE, "group": "c4", "method": "equizero"}]},
    )

    image: list[Row] = Field(
        min_length=IMAGE_SIZE,
        max_length=IMAGE_SIZE,
        description="8 rows of 8 pixel values in 0..16 (scikit-learn's digits scale)",
    )
    group: Literal["c4", "d4"] = Field(
        "c4", description="c4: rotations by 90°; d4: rotations and reflections"
    )
    method: Literal["model", "equitune", "equizero", "lambda_equitune"] = Field(
        "equizero", description="the bare CNN, or a wrapper that makes it exactly invariant"
    )
    proxy: Literal["max_prob", "entropy", "lambda"] = Field(
        "max_prob",
        description="equizero's loss: the paper's max_prob or entropy, or the learnt λ score "
        "(far more accurate for this CNN; see checkpoints/aux-equizero.json)",
    )


class DigitClassification(BaseModel):
    """The class, its probabilities, and the method's view of the group."""

    probabilities: list[float] = Field(description="10 class probabilities, digits 0..9")
    predicted: int = Field(ge=0, le=9)
    chosen_g: str | None = Field(description="equizero's g*, the transformation it trusts")
    group_weights: dict[str, float] = Field(
        description="each g's weight in the answer: uniform (equitune), one-hot (equizero), "
        "learnt (λ-equitune), the identity (model)"
    )
    orbit_predictions: dict[str, int] = Field(
        description="the method's class for every g·image; all equal for the three wrappers"
    )
    orbit_consistent: bool


@router.post("/classify", response_model=DigitClassification)
def classify(request: DigitClassify, settings: SettingsDep) -> DigitClassification:
    """Classify one digit; 503 until a checkpoint is trained (the detail says how)."""
    trained = load_trained(settings.checkpoint_dir)
    image = parse_image(request.image)
    answer = classify_digit(trained, image, request.group, request.method, request.proxy)
    return DigitClassification(
        **asdict(answer),
        orbit_consistent=len(set(answer.orbit_predictions.values())) == 1,
    )
