"""Homographies of the image plane in normalised coordinates ``[-1, 1]^2``.

A homography ``H: [3, 3]`` sends an upright point ``x`` to ``x̃ ~ H (x, 1)``; the warped image
is ``ũ(x̃) = u(H^{-1} x̃)``. Coordinates follow ``grid_sample`` with ``align_corners=True``:
``x`` along columns, ``y`` along rows, ``-1`` and ``1`` the centres of the outer pixels, so a
matrix means the same thing at every resolution.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = [
    "InvalidHomography",
    "apply_homography",
    "pixel_grid",
    "random_homographies",
    "validate_homography",
]


class InvalidHomography(ValueError):
    """A matrix that is not a usable homography of the view (say why in the message)."""


def pixel_grid(size: int, dtype: torch.dtype = torch.float64) -> Tensor:
    """Normalised ``(x, y)`` of the pixel centres of a square image, ``[size, size, 2]``."""
    t = torch.linspace(-1.0, 1.0, size, dtype=dtype)
    y, x = torch.meshgrid(t, t, indexing="ij")
    return torch.stack([x, y], dim=-1)


def apply_homography(h: Tensor, points: Tensor) -> Tensor:
    """``h (p, 1)`` dehomogenised; ``h: [3, 3]`` or ``[B, 3, 3]``, ``points: [..., 2]`` likewise."""
    ones = torch.ones_like(points[..., :1])
    homog = torch.cat([points, ones], dim=-1)
    mapped = torch.einsum("bij,b...j->b...i", h, homog) if h.dim() == 3 else homog @ h.T
    return mapped[..., :2] / mapped[..., 2:]


def validate_homography(h: Tensor, cond_max: float = 1e6) -> Tensor:
    """``h: [3, 3]`` in float64 scaled to a largest entry of 1, or :class:`InvalidHomography`.

    Refused: non-finite entries, singular or near-singular matrices (condition number above
    ``cond_max``), and maps whose inverse sends part of the view ``[-1, 1]^2`` to infinity
    (the line ``w = 0`` crosses the view), where the warped image is undefined.
    """
    if h.shape != (3, 3):
        raise InvalidHomography(f"expected a 3x3 matrix, got shape {tuple(h.shape)}")
    if not torch.isfinite(h).all():
        raise InvalidHomography("the homography has non-finite entries")
    h = h.to(torch.float64)
    singular = torch.linalg.svdvals(h)
    if singular[-1] <= singular[0] / cond_max:
        raise InvalidHomography(
            f"the homography is singular (condition number above {cond_max:g}); "
            "give an invertible 3x3 matrix"
        )
    corners = torch.tensor([[-1.0, -1.0, 1.0], [1.0, -1.0, 1.0], [-1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    w = corners.to(h) @ torch.linalg.inv(h)[2]
    if not ((w > 1e-6).all() or (w < -1e-6).all()):
        raise InvalidHomography(
            "the homography sends part of the view to infinity (its horizon crosses [-1, 1]^2); "
            "use a milder perspective"
        )
    return h / h.abs().max()


def random_homographies(
    count: int, strength: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    """``[count, 3, 3]`` random homographies near the identity, mild enough to keep the view.

    At ``strength=1``: rotation up to ±30°, log-scale ±0.15, log-aspect ±0.15, shear ±0.2,
    perspective terms ±0.3 and translation ±0.1, each uniform.
    """

    def uniform(bound: float) -> Tensor:
        return (
            (2 * torch.rand(count, generator=generator, dtype=torch.float64) - 1) * bound * strength
        )

    angle = uniform(math.radians(30))
    scale, aspect, shear = uniform(0.15).exp(), uniform(0.15).exp(), uniform(0.2)
    px, py, tx, ty = uniform(0.3), uniform(0.3), uniform(0.1), uniform(0.1)
    cos, sin = angle.cos(), angle.sin()
    linear = torch.stack([cos, -sin, sin, cos], dim=-1).view(count, 2, 2)
    stretch = torch.zeros(count, 2, 2, dtype=torch.float64)
    stretch[:, 0, 0], stretch[:, 0, 1], stretch[:, 1, 1] = scale * aspect, shear, scale / aspect
    h = torch.zeros(count, 3, 3, dtype=torch.float64)
    h[:, :2, :2] = linear @ stretch
    h[:, 0, 2], h[:, 1, 2] = tx, ty
    h[:, 2, 0], h[:, 2, 1], h[:, 2, 2] = px, py, 1.0
    return h
