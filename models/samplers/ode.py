r"""Probability-flow ODE sampler, Euler or Heun.

.. math::
    \mathrm d x = v(x, t)\, \mathrm dt \quad\text{(plain)}, \qquad
    \mathrm d x = P_x\, v(x, t)\, \mathrm dt \quad\text{(quotient)}

with :math:`v` from the denoiser (:class:`models.interpolant.Interpolant`). Heun's corrector
needs the velocity at the step's end, which is undefined at t=1, so its last step is Euler
(as in EDM's sampler).
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

from models.interpolant import Interpolant
from models.samplers.base import Denoiser, Sampler
from models.spaces import ConfigurationSpace

__all__ = ["ODESampler"]


class ODESampler(Sampler):
    """Deterministic sampler: ``method`` is ``euler`` (one call a step) or ``heun`` (two)."""

    name = "ode"

    def __init__(
        self,
        interpolant: Interpolant,
        *,
        num_steps: int = 100,
        quotient: bool,
        time_exponent: float = 1.0,
        start_time: float = 0.0,
        method: Literal["euler", "heun"] = "heun",
    ) -> None:
        super().__init__(
            interpolant,
            num_steps=num_steps,
            quotient=quotient,
            time_exponent=time_exponent,
            start_time=start_time,
        )
        if method not in ("euler", "heun"):
            raise ValueError(f"unknown ODE method {method!r}; choose 'euler' or 'heun'")
        self.method = method

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
        """Euler predictor, and Heun's trapezoidal corrector unless this step ends at t=1."""
        del generator  # deterministic
        h = t_next - t
        v = self.velocity(denoiser, space, x, t)
        x_next = x + h * v
        if self.method == "euler" or last:
            return x_next
        v_next = self.velocity(denoiser, space, x_next, t_next)
        return x + 0.5 * h * (v + v_next)
