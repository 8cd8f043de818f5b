"""Mean-field SGD of the particles by one scheme: free, DA, FA or EA."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from models.aux.meanfield.groups import Group, orbit
from models.aux.meanfield.model import Teacher, predict, predict_averaged, unit_gradient

__all__ = ["SCHEMES", "MeanfieldTrainConfig", "Scheme", "train"]

Scheme = Literal["free", "da", "fa", "ea"]
SCHEMES: tuple[Scheme, ...] = ("free", "da", "fa", "ea")


@dataclass(frozen=True)
class MeanfieldTrainConfig:
    """Mean-field SGD: ``steps`` steps of ``step_size``, ``batch_per_unit * N`` samples each."""

    steps: int = 300
    step_size: float = 0.5
    batch_per_unit: int = 4


def train(
    theta: np.ndarray,
    scheme: Scheme,
    teacher: Teacher,
    group: Group,
    config: MeanfieldTrainConfig,
    seed: int,
) -> np.ndarray:
    """Train particles ``[N, D]`` by one scheme; one ``seed`` gives every scheme the same data.

    ``ea`` trains in ``E^G`` (start and gradients projected); ``da`` draws one ``g`` per sample;
    ``fa`` differentiates through ``f^G``; ``free`` uses the samples as they come.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {SCHEMES}")
    data_rng, group_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    P = group.fixed_projector()
    theta = theta @ P if scheme == "ea" else theta.copy()
    batch = config.batch_per_unit * len(theta)
    for _ in range(config.steps):
        x = data_rng.standard_normal((batch, group.dim))
        y = teacher(x)
        if scheme == "da":
            x = np.einsum("bij,bj->bi", group.rho[group_rng.integers(group.order, size=batch)], x)
        if scheme == "fa":
            r = predict_averaged(theta, x, group) - y
            grad = unit_gradient(theta, orbit(group, x), np.tile(r, group.order))
        else:
            grad = unit_gradient(theta, x, predict(theta, x) - y)
        if scheme == "ea":
            grad = grad @ P
        theta -= config.step_size * grad
    return theta
