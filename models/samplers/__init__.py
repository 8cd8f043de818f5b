"""Samplers from the prior (t=0) to the data (t=1), each in plain and quotient form."""

from models.samplers.base import CancelCheck, Denoiser, ProgressCallback, Sampler, SamplingCancelled
from models.samplers.config import SamplingConfig, make_sampler
from models.samplers.ode import ODESampler
from models.samplers.sde import SDESampler

__all__ = [
    "CancelCheck",
    "Denoiser",
    "ODESampler",
    "ProgressCallback",
    "SDESampler",
    "Sampler",
    "SamplingCancelled",
    "SamplingConfig",
    "make_sampler",
]
