"""Backbone task: sample C-alpha traces of given lengths (Proteina's unconditional setting).

Coordinates live in nanometres inside the model (Proteina's scale, so the unit Gaussian prior
is about the size of a small domain) and in Angstrom outside it. The checkpoint's treatment
decides the sampler's form, and the SDE's noise scale ``gamma`` is exposed as in Proteina.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from models.interpolant import Interpolant
from models.samplers import CancelCheck, ProgressCallback
from models.spaces import PointClouds
from models.tasks.conformer import SamplingConfig, make_sampler

__all__ = ["ANGSTROM_PER_NM", "sample_backbones"]

ANGSTROM_PER_NM = 10.0


@torch.no_grad()
def sample_backbones(
    net: nn.Module,
    lengths: list[int],
    treatment: str,
    config: SamplingConfig,
    *,
    interpolant: Interpolant | None = None,
    seed: int | None = None,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    x0: Tensor | None = None,
) -> list[Tensor]:
    """C-alpha coordinates ``[L, 3]`` (A, centred) for each entry of ``lengths``.

    ``x0: [sum L, 3]`` (nm, centred per chain) replaces the prior draw.
    """
    interpolant = Interpolant() if interpolant is None else interpolant
    net.eval()
    device = next(net.parameters()).device
    sizes = torch.tensor(lengths, device=device)
    batch = torch.repeat_interleave(torch.arange(len(lengths), device=device), sizes)
    sampler = make_sampler(treatment, config, interpolant)
    x = sampler.sample(
        lambda x, t: net(x, t.expand(len(lengths)), batch),
        PointClouds(batch, len(lengths)),
        torch.zeros(len(batch), 3, device=device),
        seed=seed,
        progress=progress,
        cancelled=cancelled,
        x0=x0,
    )
    return list((x * ANGSTROM_PER_NM).cpu().split(lengths))
