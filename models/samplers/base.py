"""What every sampler shares: the time grid, seeding, progress and cancellation.

A sampler integrates from the prior at t=0 to the data at t=1 with a denoiser
``D(x_t, t) ~ E[x_1 | x_t]``. In *plain* form it follows the conventional ODE/SDE (EDM, ET-Flow,
GeoDiff, AF3 style). In *quotient* form (Xu et al., ICLR 2026) every update is projected onto
the horizontal space of the configuration space, so no rigid rotation is ever integrated and
the network's rotational (vertical) output does not matter.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

import torch
from torch import Tensor

from models.interpolant import Interpolant
from models.spaces import ConfigurationSpace

__all__ = ["CancelCheck", "Denoiser", "ProgressCallback", "Sampler", "SamplingCancelled"]

Denoiser = Callable[[Tensor, Tensor], Tensor]
"""``D(x_t: [N, D], t: scalar tensor) -> [N, D]``, the prediction of the data ``x_1``."""

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(steps_done, num_steps)`` after every step."""

CancelCheck = Callable[[], bool]
"""Asked before every step; returning True stops sampling with :class:`SamplingCancelled`."""


class SamplingCancelled(RuntimeError):
    """Sampling was cancelled between two steps by the caller's cancel check."""


class Sampler(ABC):
    """Integrates ``num_steps`` uniform steps from t=0 to t=1.

    Args:
        interpolant: the interpolant the denoiser was trained under.
        num_steps: number of steps (each step costs one or two denoiser calls).
        quotient: project every update onto the horizontal space (the quotient form).
        time_exponent: ``rho`` of the time grid ``t_k = 1 - (1 - t_s)(1 - k/K)^rho``; 1 is
            uniform, larger values take finer steps near the data, where the posterior sharpens.
        start_time: ``t_s``, where integration starts. 0 starts from the prior; above 0 the
            caller's ``x0`` is a partly noised structure ``x_{t_s}`` (partial diffusion: the
            steps refine a starting guess, e.g. an ETKDG conformer, instead of making one).

    """

    name: str

    def __init__(
        self,
        interpolant: Interpolant,
        *,
        num_steps: int = 100,
        quotient: bool,
        time_exponent: float = 1.0,
        start_time: float = 0.0,
    ) -> None:
        if num_steps < 1:
            raise ValueError(f"num_steps must be at least 1, got {num_steps}")
        if time_exponent < 1:
            raise ValueError(f"time_exponent must be >= 1, got {time_exponent}")
        if not 0.0 <= start_time < 1.0:
            raise ValueError(f"start_time must be in [0, 1), got {start_time}")
        self.interpolant = interpolant
        self.num_steps = num_steps
        self.quotient = quotient
        self.time_exponent = time_exponent
        self.start_time = start_time

    def sample(
        self,
        denoiser: Denoiser,
        space: ConfigurationSpace,
        template: Tensor,
        *,
        seed: int | None = None,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
        x0: Tensor | None = None,
    ) -> Tensor:
        """Samples ``[N, D]`` shaped (and typed, and placed) like ``template: [N, D]``.

        The same ``seed`` gives the same samples on the same device. ``x0`` (translation-free,
        like ``template``) replaces the prior draw, so that a caller can fix each sample's
        starting point independently of how samples are batched; it is required when
        ``start_time`` is above 0.
        """
        if x0 is None and self.start_time > 0:
            raise ValueError("a sampler with start_time > 0 needs x0, the partly noised start")
        generator = torch.Generator(device=template.device)
        if seed is None:
            generator.seed()
        else:
            generator.manual_seed(seed)
        x = space.noise(template, generator) if x0 is None else x0
        times = self.time_grid(template.dtype)
        for i in range(self.num_steps):
            if cancelled is not None and cancelled():
                raise SamplingCancelled(f"cancelled after {i} of {self.num_steps} steps")
            last = i == self.num_steps - 1
            x = self.step(
                denoiser, space, x, times[i], times[i + 1], last=last, generator=generator
            )
            if progress is not None:
                progress(i + 1, self.num_steps)
        return x

    def time_grid(self, dtype: torch.dtype) -> Tensor:
        """Times ``[num_steps + 1]`` from ``t_s`` to 1: ``t_k = 1 - (1 - t_s)(1 - k/K)^rho``.

        Each ``t_k`` stays at least ``K - k`` representable steps below 1: in float32, rho 3 at
        1,000 steps would otherwise round its last times to 1.0, and a step from t=1 divides by
        ``alpha_1 = 0`` (NaN samples).
        """
        k = torch.arange(self.num_steps + 1, dtype=torch.float64)
        times = 1 - (1 - self.start_time) * (1 - k / self.num_steps) ** self.time_exponent
        below_one = 1 - (self.num_steps - k) * torch.finfo(dtype).eps / 2
        return torch.minimum(times, below_one).to(dtype)

    @abstractmethod
    def step(
        self,
        denoiser: Denoiser,
        space: ConfigurationSpace,
        x: Tensor,
        t: Tensor,
        t_next: Tensor,
        *,
        last: bool,
        generator: torch.Generator,
    ) -> Tensor:
        """One step from ``t`` to ``t_next``; ``last`` marks the step that ends at t=1."""

    def velocity(
        self, denoiser: Denoiser, space: ConfigurationSpace, x: Tensor, t: Tensor
    ) -> Tensor:
        """Probability-flow velocity at ``(x, t)``, projected in quotient form."""
        velocity = self.interpolant.velocity_from_denoiser(x, denoiser(x, t), t)
        return self.restrict(space, x, velocity)

    def restrict(self, space: ConfigurationSpace, x: Tensor, update: Tensor) -> Tensor:
        """Horizontal part of ``update`` (quotient form) or its translation-free part (plain)."""
        return space.horizontal(x, update) if self.quotient else space.translation_free(update)
