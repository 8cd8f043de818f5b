r"""The stochastic interpolant between the prior (t=0) and the data (t=1).

.. math::
    x_t = \alpha_t x_0 + \beta_t x_1, \qquad x_0 \sim \mathcal N(0, I), \quad x_1 \sim p_\text{data}

(Albergo, Boffi and Vanden-Eijnden, "Stochastic Interpolants", 2023; the convention of the
quotient-space paper). The network is a denoiser :math:`D(x_t, t) \approx E[x_1 | x_t]`; the
velocity and the score of the marginal path follow from it:

.. math::
    \hat x_0 = (x_t - \beta_t D) / \alpha_t, \qquad
    v = \dot\alpha_t \hat x_0 + \dot\beta_t D, \qquad
    \nabla \log p_t = -\hat x_0 / \alpha_t .

Schedules are pluggable: :class:`LinearSchedule` (flow matching, the default) and
:class:`CosineSchedule` (variance preserving).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import torch
from torch import Tensor

__all__ = ["CosineSchedule", "Interpolant", "LinearSchedule", "Schedule", "make_schedule"]


class Schedule(ABC):
    """``alpha_t`` (noise weight, 1 -> 0) and ``beta_t`` (data weight, 0 -> 1) on t in [0, 1]."""

    name: str

    @abstractmethod
    def alpha(self, t: Tensor) -> Tensor:
        """Noise coefficient ``alpha_t``."""

    @abstractmethod
    def beta(self, t: Tensor) -> Tensor:
        """Data coefficient ``beta_t``."""

    @abstractmethod
    def d_alpha(self, t: Tensor) -> Tensor:
        """Time derivative of ``alpha_t``."""

    @abstractmethod
    def d_beta(self, t: Tensor) -> Tensor:
        """Time derivative of ``beta_t``."""


class LinearSchedule(Schedule):
    """``alpha_t = 1 - t``, ``beta_t = t`` (rectified flow / flow matching)."""

    name = "linear"

    def alpha(self, t: Tensor) -> Tensor:  # noqa: D102 (documented on the base class)
        return 1 - t

    def beta(self, t: Tensor) -> Tensor:  # noqa: D102 (documented on the base class)
        return t

    def d_alpha(self, t: Tensor) -> Tensor:  # noqa: D102 (documented on the base class)
        return -torch.ones_like(t)

    def d_beta(self, t: Tensor) -> Tensor:  # noqa: D102 (documented on the base class)
        return torch.ones_like(t)


class CosineSchedule(Schedule):
    """``alpha_t = cos(pi t / 2)``, ``beta_t = sin(pi t / 2)`` (variance preserving)."""

    name = "cosine"

    def alpha(self, t: Tensor) -> Tensor:  # noqa: D102 (documented on the base class)
        return torch.cos(0.5 * math.pi * t)

    def beta(self, t: Tensor) -> Tensor:  # noqa: D102 (documented on the base class)
        return torch.sin(0.5 * math.pi * t)

    def d_alpha(self, t: Tensor) -> Tensor:  # noqa: D102 (documented on the base class)
        return -0.5 * math.pi * torch.sin(0.5 * math.pi * t)

    def d_beta(self, t: Tensor) -> Tensor:  # noqa: D102 (documented on the base class)
        return 0.5 * math.pi * torch.cos(0.5 * math.pi * t)


_SCHEDULES: dict[str, type[Schedule]] = {"linear": LinearSchedule, "cosine": CosineSchedule}


def make_schedule(name: str) -> Schedule:
    """The schedule called ``name`` (``linear`` or ``cosine``)."""
    try:
        return _SCHEDULES[name]()
    except KeyError:
        raise ValueError(f"unknown schedule {name!r}; choose one of {sorted(_SCHEDULES)}") from None


@dataclass(frozen=True)
class Interpolant:
    """Conversions between denoiser, noise estimate, velocity and score for one schedule.

    ``t`` is a tensor that broadcasts against ``x``: a scalar in the samplers, ``[N, 1]`` in
    training (per-sample times expanded to rows by the configuration space).
    """

    schedule: Schedule = field(default_factory=LinearSchedule)

    def interpolate(self, x0: Tensor, x1: Tensor, t: Tensor) -> Tensor:
        """``x_t = alpha_t x0 + beta_t x1``."""
        return self.schedule.alpha(t) * x0 + self.schedule.beta(t) * x1

    def noise_from_denoiser(self, x_t: Tensor, denoised: Tensor, t: Tensor) -> Tensor:
        """``x0_hat = (x_t - beta_t D) / alpha_t``; undefined at ``alpha_t = 0`` (t = 1)."""
        return (x_t - self.schedule.beta(t) * denoised) / self.schedule.alpha(t)

    def velocity_from_denoiser(self, x_t: Tensor, denoised: Tensor, t: Tensor) -> Tensor:
        """``v = d_alpha_t x0_hat + d_beta_t D``, the probability-flow velocity."""
        x0_hat = self.noise_from_denoiser(x_t, denoised, t)
        return self.schedule.d_alpha(t) * x0_hat + self.schedule.d_beta(t) * denoised

    def score_from_denoiser(self, x_t: Tensor, denoised: Tensor, t: Tensor) -> Tensor:
        """``grad log p_t(x_t) = -x0_hat / alpha_t``."""
        return -self.noise_from_denoiser(x_t, denoised, t) / self.schedule.alpha(t)

    def denoiser_from_velocity(self, x_t: Tensor, velocity: Tensor, t: Tensor) -> Tensor:
        """Inverse of :meth:`velocity_from_denoiser`, for networks that predict ``v``."""
        a, b = self.schedule.alpha(t), self.schedule.beta(t)
        da, db = self.schedule.d_alpha(t), self.schedule.d_beta(t)
        return (a * velocity - da * x_t) / (a * db - da * b)

    def denoiser_from_score(self, x_t: Tensor, score: Tensor, t: Tensor) -> Tensor:
        """Inverse of :meth:`score_from_denoiser` (Tweedie), for networks that predict a score."""
        a, b = self.schedule.alpha(t), self.schedule.beta(t)
        return (x_t + a * a * score) / b
