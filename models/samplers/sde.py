r"""Euler–Maruyama sampler of the marginal-preserving SDE, plain or quotient, with a noise scale.

With diffusion :math:`g_t^2 = 2 c \alpha_t` (``churn`` :math:`c`; 0 is the ODE) the SDE

.. math::
    \mathrm dx = \big[v + \tfrac{g_t^2}{2} \nabla\log p_t\big]\mathrm dt
               + \sqrt{\gamma}\, g_t\,\mathrm dW

has the interpolant's marginals (Albergo et al., 2023) at noise scale :math:`\gamma = 1`.
Below 1 it is Proteina's low-temperature sampler (Geffner et al., ICLR 2025): the score keeps
pulling at full strength while less noise is put back, which sharpens samples towards the
modes (Proteina samples at 0.35-0.5) at the cost of diversity and exactness. Its quotient form
(Xu et al., ICLR 2026) projects drift and noise onto the horizontal space and adds the
curvature drift of the noise actually injected, without which the projected noise alone would
shrink the shapes:

.. math::
    \mathrm dx = P_x\big[v + \tfrac{g_t^2}{2} \nabla\log p_t\big]\mathrm dt
               + \tfrac{\gamma g_t^2}{2}\, c(x)\,\mathrm dt + \sqrt{\gamma}\, g_t\, P_x \mathrm dW,
    \qquad c(x) = \tfrac12 \nabla \log \det K(x).
"""

from __future__ import annotations

import torch
from torch import Tensor

from models.interpolant import Interpolant
from models.samplers.base import Denoiser, Sampler
from models.spaces import ConfigurationSpace

__all__ = ["SDESampler"]


class SDESampler(Sampler):
    """Euler–Maruyama with churn ``churn`` and noise scale ``gamma`` (1: exact marginals).

    ``curvature=False`` drops the curvature drift of the quotient form; that sampler is wrong
    and exists only so that the analytic benchmark can show it is.
    """

    name = "sde"

    def __init__(
        self,
        interpolant: Interpolant,
        *,
        num_steps: int = 500,
        quotient: bool,
        time_exponent: float = 1.0,
        start_time: float = 0.0,
        churn: float = 1.0,
        gamma: float = 1.0,
        curvature: bool = True,
    ) -> None:
        super().__init__(
            interpolant,
            num_steps=num_steps,
            quotient=quotient,
            time_exponent=time_exponent,
            start_time=start_time,
        )
        if churn < 0:
            raise ValueError(f"churn must be >= 0, got {churn}")
        if gamma < 0:
            raise ValueError(f"gamma (the noise scale) must be >= 0, got {gamma}")
        self.churn = churn
        self.gamma = gamma
        self.curvature = curvature

    def diffusion_sq(self, t: Tensor) -> Tensor:
        """``g_t^2 = 2 churn alpha_t``: noisy early, noiseless at the data."""
        return 2.0 * self.churn * self.interpolant.schedule.alpha(t)

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
        """One Euler–Maruyama step (Itô: the projection is taken at the step's start).

        ``P_x`` is linear, so drift and noise are projected together, in one call.
        """
        del last  # the step into t=1 is an ordinary step: g_t^2 and the score stay finite
        h = t_next - t
        g_sq = self.diffusion_sq(t)
        denoised = denoiser(x, t)
        drift = self.interpolant.velocity_from_denoiser(x, denoised, t)
        drift = drift + 0.5 * g_sq * self.interpolant.score_from_denoiser(x, denoised, t)
        noise_sq = self.gamma * g_sq
        update = h * drift + torch.sqrt(noise_sq * h) * space.noise(x, generator)
        if self.quotient and self.curvature:
            return x + space.quotient_increment(x, update, h * 0.5 * noise_sq)
        return x + self.restrict(space, x, update)
