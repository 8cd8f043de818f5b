"""Configuration spaces: where samples live and which rigid motions are quotiented out.

A sampler or an objective never touches coordinates directly; it asks its space for noise,
horizontal projections, the curvature drift and alignments. Two spaces exist:

- :class:`PointClouds`: ragged batches of 3-D point clouds (``x: [N, 3]``, ``batch: [N]``)
  under SE(3); translations removed by centring, rotations by the projection of
  :mod:`models.geometry`. Molecules and backbones live here.
- :class:`PlaneRotations`: points in the plane (``x: [B, 2]``, one point per sample) under
  SO(2) about the origin, the two-dimensional case of the quotient-space paper's Figure 1.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import Tensor

from models import geometry

__all__ = ["ConfigurationSpace", "PlaneRotations", "PointClouds"]


class ConfigurationSpace(ABC):
    """The state space of a batch of ``B`` samples stored as rows of ``x: [N, D]``."""

    num_samples: int

    @abstractmethod
    def noise(self, like: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """Standard Gaussian in the translation-free subspace, shaped like ``like: [N, D]``."""

    @abstractmethod
    def translation_free(self, v: Tensor) -> Tensor:
        """``v: [N, D]`` without its translation part (what plain samplers integrate)."""

    @abstractmethod
    def horizontal(self, x: Tensor, v: Tensor) -> Tensor:
        """Horizontal part of ``v: [N, D]`` at ``x: [N, D]``: no rigid motion is left in it."""

    @abstractmethod
    def curvature_drift(self, x: Tensor) -> Tensor:
        """``1/2 grad log vol(orbit)`` at ``x: [N, D]``, the drift the quotient SDE adds."""

    def quotient_increment(self, x: Tensor, update: Tensor, drift_scale: Tensor) -> Tensor:
        """``P_x(update) + drift_scale * c(x)``: one step of the quotient SDE, ``[N, D]``."""
        return self.horizontal(x, update) + drift_scale * self.curvature_drift(x)

    @abstractmethod
    def align(self, src: Tensor, dst: Tensor) -> Tensor:
        """``src: [N, D]`` rigidly rotated onto ``dst: [N, D]``, per sample."""

    def squared_norm(self, v: Tensor) -> Tensor:
        """Per-row squared length of ``v: [N, D]`` in the space's metric, ``[N]``."""
        return (v * v).sum(-1)

    @abstractmethod
    def per_sample(self, values: Tensor) -> Tensor:
        """Expand per-sample ``values: [B]`` to per-row ``[N, 1]`` (for times and weights)."""

    @abstractmethod
    def mean_per_sample(self, values: Tensor) -> Tensor:
        """Mean of per-row ``values: [N]`` over each sample's rows, ``[B]``."""


class PointClouds(ConfigurationSpace):
    """Ragged batch of 3-D point clouds under SE(3); ``batch: [N]`` maps rows to graphs.

    ``generators`` (one per sample, rows in sample order): each sample's noise comes from its
    own generator instead of the caller's, so that a stochastic sampler's draws for a sample do
    not depend on which other samples share its batch.
    """

    def __init__(
        self,
        batch: Tensor,
        num_graphs: int | None = None,
        generators: list[torch.Generator] | None = None,
    ) -> None:
        self.batch = batch
        self.num_samples = geometry.num_graphs(batch) if num_graphs is None else num_graphs
        self._counts = torch.bincount(batch, minlength=self.num_samples).clamp_min(1)
        if generators is not None and len(generators) != self.num_samples:
            raise ValueError(f"{len(generators)} generators for {self.num_samples} samples")
        self.generators = generators
        self._sizes = torch.bincount(batch, minlength=self.num_samples).tolist()

    def noise(self, like: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """Centred Gaussian noise (EDM's zero-centre-of-mass subspace), ``[N, 3]``."""
        if self.generators is None:
            eps = torch.randn(like.shape, dtype=like.dtype, device=like.device, generator=generator)
        else:
            eps = torch.cat(
                [
                    torch.randn((n, *like.shape[1:]), dtype=like.dtype, generator=g)
                    for n, g in zip(self._sizes, self.generators, strict=True)
                ]
            ).to(like.device)
        return geometry.center(eps, self.batch, self.num_samples)

    def translation_free(self, v: Tensor) -> Tensor:
        """Centred ``v``."""
        return geometry.center(v, self.batch, self.num_samples)

    def horizontal(self, x: Tensor, v: Tensor) -> Tensor:
        """See :func:`models.geometry.horizontal_projection`."""
        return geometry.horizontal_projection(x, v, self.batch, self.num_samples)

    def curvature_drift(self, x: Tensor) -> Tensor:
        """See :func:`models.geometry.curvature_drift`."""
        return geometry.curvature_drift(x, self.batch, self.num_samples)

    def quotient_increment(self, x: Tensor, update: Tensor, drift_scale: Tensor) -> Tensor:
        """As the base class, with one pseudo-inverse of ``K`` for both terms."""
        k_pinv = geometry.symmetric_pinv(geometry.inertia_tensor(x, self.batch, self.num_samples))
        horizontal = geometry.horizontal_projection(
            x, update, self.batch, self.num_samples, k_pinv=k_pinv
        )
        curvature = geometry.curvature_drift(x, self.batch, self.num_samples, k_pinv=k_pinv)
        return horizontal + drift_scale * curvature

    def align(self, src: Tensor, dst: Tensor) -> Tensor:
        """Kabsch: ``src`` rotated onto ``dst`` (both centred)."""
        return geometry.kabsch_align(src, dst, self.batch, self.num_samples)

    def per_sample(self, values: Tensor) -> Tensor:
        """``values: [B] -> [N, 1]``."""
        return values[self.batch].unsqueeze(-1)

    def mean_per_sample(self, values: Tensor) -> Tensor:
        """``values: [N] -> [B]``, the mean over each graph's atoms."""
        sums = geometry.scatter_sum(values, self.batch, self.num_samples)
        return sums / self._counts.to(values.dtype)


class PlaneRotations(ConfigurationSpace):
    """``B`` points in the plane, ``x: [B, 2]``, under rotations about the origin (SO(2)).

    The orbit of ``x`` is the circle of radius ``|x|``: the horizontal direction is radial and
    the curvature drift is ``1/2 grad log |x|^2 = x / |x|^2`` (the 2-D Bessel drift).
    """

    def __init__(self, num_samples: int) -> None:
        self.num_samples = num_samples

    def noise(self, like: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """Standard Gaussian ``[B, 2]`` (there is no translation to remove)."""
        return torch.randn(like.shape, dtype=like.dtype, device=like.device, generator=generator)

    def translation_free(self, v: Tensor) -> Tensor:
        """``v`` unchanged: rotations about the origin only."""
        return v

    @staticmethod
    def _inverse_sq_radius(x: Tensor) -> Tensor:
        """``1 / |x|^2`` per row, ``[B, 1]``, and 0 at the origin (the pseudo-inverse of K)."""
        sq = (x * x).sum(-1, keepdim=True)
        return torch.where(sq > 0, 1.0 / torch.where(sq > 0, sq, torch.ones_like(sq)), 0.0)

    def horizontal(self, x: Tensor, v: Tensor) -> Tensor:
        """Radial part ``(v . x) x / |x|^2`` of ``v: [B, 2]``; ``v`` itself at the origin."""
        sq_inv = self._inverse_sq_radius(x)
        radial = (v * x).sum(-1, keepdim=True) * sq_inv * x
        return torch.where(sq_inv > 0, radial, v)

    def curvature_drift(self, x: Tensor) -> Tensor:
        """``x / |x|^2``, ``[B, 2]``."""
        return x * self._inverse_sq_radius(x)

    def align(self, src: Tensor, dst: Tensor) -> Tensor:
        """``|src| dst / |dst|``: ``src`` rotated onto ``dst``'s direction."""
        return src.norm(dim=-1, keepdim=True) * dst * self._inverse_sq_radius(dst).sqrt()

    def per_sample(self, values: Tensor) -> Tensor:
        """``values: [B] -> [B, 1]``."""
        return values.unsqueeze(-1)

    def mean_per_sample(self, values: Tensor) -> Tensor:
        """One row per sample: ``values: [B]`` unchanged."""
        return values
