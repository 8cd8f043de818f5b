"""The generative core: geometry, interpolant, objectives, samplers, closed-form optima."""

from models.interpolant import Interpolant, make_schedule
from models.objectives import TREATMENTS, Treatment, denoiser_loss
from models.samplers import ODESampler, SamplingCancelled, SDESampler
from models.spaces import ConfigurationSpace, PlaneRotations, PointClouds

__all__ = [
    "TREATMENTS",
    "ConfigurationSpace",
    "Interpolant",
    "ODESampler",
    "PlaneRotations",
    "PointClouds",
    "SDESampler",
    "SamplingCancelled",
    "Treatment",
    "denoiser_loss",
    "make_schedule",
]
