"""Conformer task: sample 3-D coordinates for a batch of molecular graphs.

The checkpoint's treatment decides the sampler's form: ``quotient`` samples with the quotient
ODE/SDE, the three baselines with the plain ones (ARCHITECTURE.md, "Symmetry treatments").
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from models.interpolant import Interpolant
from models.samplers import CancelCheck, ProgressCallback, SamplingConfig, make_sampler
from models.spaces import PointClouds

__all__ = ["sample_conformers"]


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
