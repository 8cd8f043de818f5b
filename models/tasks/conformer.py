"""Conformer task: sample 3-D coordinates for a batch of molecular graphs.

The checkpoint's treatment decides the sampler's form: ``quotient`` samples with the quotient
ODE/SDE, the three baselines with the plain ones (ARCHITECTURE.md, "Symmetry treatments").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from models.interpolant import Interpolant
from models.samplers import CancelCheck, ODESampler, ProgressCallback, Sampler, SDESampler
from models.spaces import PointClouds

__all__ = ["SamplingConfig", "make_sampler", "sample_conformers"]


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


@torch.no_grad()
def sample_conformers(
    net: nn.Module,
    graph,
    treatment: str,
    config: SamplingConfig,
    *,
    interpolant: Interpolant | None = None,
    seed: int | None = None,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    x0: Tensor | None = None,
) -> Tensor:
    """Coordinates ``[N, 3]`` (Å, centred) for every molecule of ``graph`` (a PyG ``Batch``).

    ``x0: [N, 3]``: the prior draw to start from (default: drawn from ``seed``).
    """
    interpolant = Interpolant() if interpolant is None else interpolant
    net.eval()
    space = PointClouds(graph.batch, graph.num_graphs)
    template = torch.zeros(graph.num_nodes, 3, device=graph.batch.device)
    sampler = make_sampler(treatment, config, interpolant)
    encoding = net.encode(graph)
    return sampler.sample(
        lambda x, t: net(x, t, graph, encoding),
        space,
        template,
        seed=seed,
        progress=progress,
        cancelled=cancelled,
        x0=x0,
    )
