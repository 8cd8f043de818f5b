"""The measurements: accuracy upright and over the orbit, and orbit-consistency."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from models.aux.equizero.groups import FiniteGroup
from models.aux.equizero.model import LambdaNet, Method, Proxy, orbit_outputs, wrap

__all__ = ["OrbitScores", "orbit_predictions", "orbit_scores"]


@dataclass(frozen=True)
class OrbitScores:
    """Accuracy on upright inputs, on every ``g x``, and the orbit-consistency (fractions).

    ``orbit_consistency`` is the fraction of inputs whose predicted class is the same for
    every point ``g x`` of their orbit.
    """

    accuracy_upright: float
    accuracy_orbit: float
    orbit_consistency: float


@torch.no_grad()
def orbit_predictions(
    model: nn.Module,
    group: FiniteGroup,
    x: Tensor,
    variants: dict[str, tuple[Method, Proxy]],
    lam: LambdaNet | None = None,
) -> dict[str, Tensor]:
    """Predicted classes ``[G, B]`` of each variant on every ``h x`` of ``x: [B, ...]``.

    Every ``h x`` is wrapped from scratch (M runs on the orbit of ``h x``), so invariance is
    measured, not assumed; the variants share M's forward passes.
    """
    preds: dict[str, list[Tensor]] = {name: [] for name in variants}
    for h in range(group.order):
        phi, logits = orbit_outputs(model, group, group.act(x, h))
        for name, (method, proxy) in variants.items():
            preds[name].append(wrap(method, phi, logits, lam, proxy).logits.argmax(-1))
    return {name: torch.stack(p) for name, p in preds.items()}


def orbit_scores(preds: Tensor, y: Tensor) -> OrbitScores:
    """Scores of predictions ``preds: [G, B]`` on the orbits (row 0: upright), labels ``y: [B]``."""
    right = preds == y
    return OrbitScores(
        accuracy_upright=right[0].float().mean().item(),
        accuracy_orbit=right.float().mean().item(),
        orbit_consistency=(preds == preds[0]).all(0).float().mean().item(),
    )
