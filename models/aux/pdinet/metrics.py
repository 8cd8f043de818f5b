"""The two measurements: invariance of the maps under a homography, and accuracy out of view.

(a) :func:`invariance_errors` renders the smooth scene upright and through ``H`` and compares
maps at corresponding points ``x̃`` and ``x = H^{-1} x̃`` (both at least ``4 sigma + 1`` pixels
from their borders): the raw jet ``∂u, ∂²u``, the unnormalised relative invariants ``I, M, J``
and the normalised ones (without ``u``, which is trivially unchanged), each as
``‖f̃(x̃) - f(x)‖ / ‖f(x)‖`` over all shared points.

(b) :func:`accuracy` scores a model fitted on upright cards
(:func:`~models.aux.pdinet.train.train_classifier`) upright, and
:func:`homography_accuracy` through random homographies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from models.aux.pdinet.data import REFERENCE_CHANNELS, render_cards, render_smooth_scene
from models.aux.pdinet.homography import (
    InvalidHomography,
    apply_homography,
    pixel_grid,
    random_homographies,
)
from models.aux.pdinet.invariants import (
    gaussian_jet,
    normalised_invariants,
    reference_jacobian,
    relative_invariants,
)

__all__ = ["InvarianceErrors", "accuracy", "homography_accuracy", "invariance_errors"]

MIN_SHARED_POINTS = 16


@dataclass(frozen=True)
class InvarianceErrors:
    """Relative L2 change of each family of maps at corresponding points."""

    raw_derivatives: float
    relative_invariants: float
    normalised_invariants: float
    num_points: int
    det_min: float
    det_max: float


def _families(image: Tensor, sigma: float) -> dict[str, Tensor]:
    """The three families of maps of ``image: [1, C, H, W]``, each ``[F, H, W]``."""
    jet = gaussian_jet(image, sigma)
    _, weight2, weight1 = relative_invariants(jet)
    j_ref = reference_jacobian(image, REFERENCE_CHANNELS, sigma)
    channels = image.shape[1]
    return {
        "raw_derivatives": jet.stacked()[0],
        "relative_invariants": torch.cat([weight2, weight1], dim=1)[0],
        "normalised_invariants": normalised_invariants(jet, j_ref)[0, channels:],
    }


def _map_determinant(h: Tensor, points: Tensor) -> Tensor:
    """``det ∂x̃/∂x`` of ``h`` at upright ``points: [..., 2]`` (``det h / w^3``)."""
    w = points @ h[2, :2] + h[2, 2]
    return torch.linalg.det(h) / w**3


def invariance_errors(h: Tensor, size: int = 64, sigma: float = 1.5) -> InvarianceErrors:
    """Measurement (a) for one validated homography ``h: [3, 3]`` (see the module docstring).

    Raises :class:`InvalidHomography` when fewer than 16 interior points are shared.
    """
    h = h.to(torch.float64)
    upright = _families(render_smooth_scene(size), sigma)
    warped = _families(render_smooth_scene(size, h), sigma)
    margin = (math.ceil(4 * sigma) + 1) * 2 / (size - 1)
    grid = pixel_grid(size)
    source = apply_homography(torch.linalg.inv(h), grid)
    inside = (grid.abs() <= 1 - margin).all(-1) & (source.abs() <= 1 - margin).all(-1)
    num_points = int(inside.sum())
    if num_points < MIN_SHARED_POINTS:
        raise InvalidHomography(
            f"the warped and upright views share {num_points} interior points "
            f"(need {MIN_SHARED_POINTS}); use a homography closer to the identity"
        )
    errors = {}
    for name, maps in upright.items():
        at_source = F.grid_sample(
            maps.unsqueeze(0), source.unsqueeze(0), mode="bicubic", align_corners=True
        )[0]
        reference, moved = at_source[:, inside], warped[name][:, inside]
        errors[name] = float((moved - reference).norm() / reference.norm())
    det = _map_determinant(h, source[inside])
    return InvarianceErrors(
        **errors, num_points=num_points, det_min=float(det.min()), det_max=float(det.max())
    )


@torch.no_grad()
def accuracy(model: nn.Module, images: Tensor, labels: Tensor, batch_size: int = 256) -> float:
    """Top-1 accuracy of ``model`` (in eval mode) on ``images: [N, C, H, W]``."""
    model.eval()
    correct = sum(
        int((model(images[i : i + batch_size]).argmax(-1) == labels[i : i + batch_size]).sum())
        for i in range(0, len(labels), batch_size)
    )
    return correct / len(labels)


def homography_accuracy(
    model: nn.Module, digits: Tensor, labels: Tensor, size: int, strength: float, seed: int
) -> float:
    """Accuracy on ``digits: [N, 8, 8]`` each seen through its own random homography."""
    generator = torch.Generator().manual_seed(seed)
    homographies = random_homographies(len(labels), strength, generator)
    return accuracy(model, render_cards(digits, size, homographies), labels)
