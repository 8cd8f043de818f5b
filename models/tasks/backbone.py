"""Backbone task: sample C-alpha traces of given lengths (Proteina's unconditional setting).

Coordinates live in nanometres inside the model (Proteina's scale, so the unit Gaussian prior
is about the size of a small domain) and in Angstrom outside it. The checkpoint's treatment
decides the sampler's form, and the SDE's noise scale ``gamma`` is exposed as in Proteina.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from models.interpolant import Interpolant
from models.networks.backbone_net import BackboneNet
from models.samplers import CancelCheck, ProgressCallback, SamplingConfig, make_sampler
from models.spaces import PointClouds

__all__ = [
    "ANGSTROM_PER_NM",
    "DEFAULT_GAMMA",
    "chain_distance_loss",
    "denoise_backbones",
    "sample_backbones",
]

ANGSTROM_PER_NM = 10.0

DEFAULT_GAMMA = 1.0
"""The SDE sampler's default noise scale for backbones: exact. Lower values (Proteina's 0.35-0.5)
compact the chain and bring out some helix but, for the shipped checkpoints, add clashes and
move the pseudo-torsions away from TS50 (measured in the README)."""


def chain_distance_loss(
    pred: Tensor,
    x1: Tensor,
    t: Tensor,
    weight: Tensor,
    batch: Tensor,
    max_offset: int = 3,
    from_time: float = 0.75,
) -> Tensor:
    """Weighted squared error of the distances between residues up to ``max_offset`` apart.

    These distances are the chain's local geometry (spacing, helix and strand turns), which the
    coordinate loss weighs too little to be learnt well on a small budget. Distances do not
    change when the prediction is rotated, so every treatment can add this term and the
    quotient one keeps its freedom in the rotational directions. It counts only from
    ``from_time`` on (as FrameDiff's auxiliary losses): earlier, the best prediction is a blurred
    mean whose distances are shorter than any chain's, and asking for true distances there
    stretched the chains. ``pred, x1: [N, 3]`` in chain order, ``t, weight: [B]`` per chain,
    ``batch: [N]``; averaged per chain, then over chains.
    """
    errors = pred.new_zeros(len(weight))
    pairs = pred.new_zeros(len(weight))
    for offset in range(1, max_offset + 1):
        same_chain = batch[offset:] == batch[:-offset]
        chain = batch[offset:][same_chain]
        predicted = (pred[offset:] - pred[:-offset])[same_chain].norm(dim=-1)
        true = (x1[offset:] - x1[:-offset])[same_chain].norm(dim=-1)
        errors = errors.index_add(0, chain, (predicted - true) ** 2)
        pairs = pairs.index_add(0, chain, torch.ones_like(true))
    late = (t >= from_time).to(weight.dtype)
    return (late * weight * errors / pairs.clamp(min=1)).mean()


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
    batch = _chain_index(lengths, device)
    sampler = make_sampler(treatment, config, interpolant)
    previous: Tensor | None = None  # the last prediction, for a self-conditioned network

    def denoise(x: Tensor, t: Tensor) -> Tensor:
        nonlocal previous
        previous = net(x, t.to(device).expand(len(lengths)), batch, previous)
        return previous

    x = sampler.sample(
        denoise,
        PointClouds(batch, len(lengths)),
        torch.zeros(len(batch), 3, device=device),
        seed=seed,
        progress=progress,
        cancelled=cancelled,
        x0=x0,
    )
    return list((x * ANGSTROM_PER_NM).cpu().split(lengths))


@torch.no_grad()
def denoise_backbones(
    net: BackboneNet,
    cas: list[Tensor],
    t: float,
    *,
    interpolant: Interpolant | None = None,
    seed: int = 0,
) -> tuple[list[Tensor], list[Tensor]]:
    """Real chains ``cas`` (``[L, 3]``, A) noised to time ``t``, and the network's prediction.

    A probe of what the denoiser has learnt at each noise level: how much of real chains' local
    geometry and secondary structure its one-step prediction keeps, in seconds where sampling
    and scoring take minutes. A self-conditioned network predicts twice, the second time
    conditioned on the first, as in its training. Returns ``(noised, predicted)`` in A.
    """
    interpolant = Interpolant() if interpolant is None else interpolant
    net.eval()
    device = next(net.parameters()).device
    lengths = [len(ca) for ca in cas]
    batch = _chain_index(lengths, device)
    space = PointClouds(batch, len(cas))
    x1 = torch.cat([ca - ca.mean(0) for ca in cas]).to(device, torch.float32) / ANGSTROM_PER_NM
    generator = torch.Generator(device=device).manual_seed(seed)
    x_t = interpolant.interpolate(space.noise(x1, generator), x1, torch.tensor(t, device=device))
    times = torch.full((len(cas),), t, device=device)
    predicted = net(x_t, times, batch, None)
    if net.config.self_conditioning:
        predicted = net(x_t, times, batch, predicted)
    return (
        list((x_t * ANGSTROM_PER_NM).cpu().split(lengths)),
        list((predicted * ANGSTROM_PER_NM).cpu().split(lengths)),
    )


def _chain_index(lengths: list[int], device: torch.device) -> Tensor:
    """``batch: [sum L]``, the chain of every residue, for chains of ``lengths``."""
    sizes = torch.tensor(lengths, device=device)
    return torch.repeat_interleave(torch.arange(len(lengths), device=device), sizes)
