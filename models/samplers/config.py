"""How a request samples: :class:`SamplingConfig`, and :func:`make_sampler` for a treatment.

Every product (conformers, molecules, backbones) samples through these two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from models.interpolant import Interpolant
from models.samplers.base import Sampler
from models.samplers.ode import ODESampler
from models.samplers.sde import SDESampler

__all__ = ["SamplingConfig", "make_sampler"]


@dataclass(frozen=True)
class SamplingConfig:
    """How to sample: ``ode`` (Heun) or ``sde`` (Euler–Maruyama, noise scale ``gamma``).

    ``gamma`` 1 samples the model's distribution; below 1, a lower temperature (Proteina's
    noise scale, see :mod:`models.samplers.sde`). ``start_time`` above 0 integrates from a
    partly noised starting structure at that time (partial diffusion; the caller gives it).
    """

    sampler: Literal["ode", "sde"] = "ode"
    num_steps: int = 20
    gamma: float = 1.0
    time_exponent: float = 2.0
    start_time: float = 0.0


def make_sampler(treatment: str, config: SamplingConfig, interpolant: Interpolant) -> Sampler:
    """The sampler for a checkpoint of ``treatment``."""
    quotient = treatment == "quotient"
    if config.sampler == "ode":
        return ODESampler(
            interpolant,
            num_steps=config.num_steps,
            quotient=quotient,
            time_exponent=config.time_exponent,
            start_time=config.start_time,
        )
    if config.sampler == "sde":
        return SDESampler(
            interpolant,
            num_steps=config.num_steps,
            quotient=quotient,
            gamma=config.gamma,
            time_exponent=config.time_exponent,
            start_time=config.start_time,
        )
    raise ValueError(f"unknown sampler {config.sampler!r}; choose 'ode' or 'sde'")
