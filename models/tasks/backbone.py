"""Backbone task: sample C-alpha traces of given lengths (Proteina's unconditional setting).

Coordinates live in nanometres inside the model (Proteina's scale, so the unit Gaussian prior
is about the size of a small domain) and in Angstrom outside it. The checkpoint's treatment
decides the sampler's form, and the SDE's noise scale ``gamma`` is exposed as in Proteina.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

from models.interpolant import Interpolant
from models.networks.backbone_net import BackboneNet, Chains
from models.samplers import CancelCheck, ProgressCallback, SamplingConfig, make_sampler
from models.spaces import PointClouds

__all__ = [
    "ANGSTROM_PER_NM",
    "DEFAULT_GAMMA",
    "DEFAULT_GUIDANCE",
    "TIME_EXPONENT",
    "backbone_sampling",
    "denoise_backbones",
    "local_geometry_loss",
    "sample_backbones",
]

ANGSTROM_PER_NM = 10.0

DEFAULT_GAMMA = 1.0
"""The SDE sampler's default noise scale for backbones: exact. Lower values (Proteina's 0.35-0.5)
gave no clear gain for the step-8,400 local-frame model: P-SEA helix + strand 0.34 / 0.36 / 0.36
at 1 / 0.7 / 0.5 over 24 planned, relaxed backbones of 50-250 residues (guidance 2, 50 steps),
with clashes 0.005 / 0.004 / 0.008 per residue."""


DEFAULT_GUIDANCE = 2.0
"""Classifier-free guidance weight the service samples secondary-structure plans with (1 is the
conditional model alone). For 800 planned residues of a step-5,000 model (SDE, relaxed), P-SEA
helix + strand was 0.35 at 2 and 0.30 at 4, where relaxation undid strands that guidance had
over-stretched; unguided, a step-4,480 model gave 0.14 (ODE)."""

TIME_EXPONENT = 3.0
"""``rho`` of the backbone samplers' time grid (2 elsewhere): finer steps near the data, where
helices and strands form. For the step-24,000 quotient model (SDE, 100 steps, guidance 2,
relaxed; planned backbones of 50-250 residues, seeds apart from the benchmark's), P-SEA helix +
strand was 0.074 / 0.382 / 0.400 at rho 1 / 2 / 3 over 24 backbones and 0.411 / 0.420 at rho
2 / 3 over 48; 200 steps at rho 2 gave 0.419 and 0.408 at twice the cost. The equivariant
model: 0.407 / 0.409 at rho 2 / 3 (24 backbones)."""

_CA_SPACING_NM = 0.38


def backbone_sampling(
    sampler: Literal["ode", "sde"], num_steps: int, gamma: float
) -> SamplingConfig:
    """The sampler setting of a backbone request, on the backbones' time grid."""
    return SamplingConfig(sampler, num_steps, gamma=gamma, time_exponent=TIME_EXPONENT)


def local_geometry_loss(
    pred: Tensor,
    x1: Tensor,
    t: Tensor,
    weight: Tensor,
    chains: Chains,
    max_offset: int = 4,
    from_time: float = 0.75,
) -> Tensor:
    """Weighted squared error of the chain's local geometry: distances and handedness.

    The distances between residues up to ``max_offset`` apart fix spacing, virtual bond angles
    and the size of the pseudo-torsions (helix and strand turns); the signed volume of every
    three consecutive C-alpha steps (in units of the 0.38 nm spacing cubed) fixes their sign,
    which no distance sees: without it a left-handed helix would cost nothing. The coordinate
    loss weighs this geometry too little to be learnt well on a small budget. Neither term
    changes when the prediction is rotated, so every treatment can add them and the quotient one
    keeps its freedom in the rotational directions. It counts only from ``from_time`` on (as
    FrameDiff's auxiliary losses): earlier, the best prediction is a blurred mean whose
    distances are shorter than any chain's, and asking for true distances there stretched the
    chains. ``pred, x1: [N, 3]`` in chain order, ``t, weight: [B]`` per chain; averaged per
    chain, then over chains.
    """
    batch = chains.batch
    errors = pred.new_zeros(len(weight))
    terms = pred.new_zeros(len(weight))

    def add(chain: Tensor, squared_error: Tensor) -> None:
        nonlocal errors, terms
        errors = errors.index_add(0, chain, squared_error)
        terms = terms.index_add(0, chain, torch.ones_like(squared_error))

    for offset in range(1, max_offset + 1):
        same_chain = batch[offset:] == batch[:-offset]
        predicted = (pred[offset:] - pred[:-offset])[same_chain].norm(dim=-1)
        true = (x1[offset:] - x1[:-offset])[same_chain].norm(dim=-1)
        add(batch[offset:][same_chain], (predicted - true) ** 2)
    same_chain = batch[3:] == batch[:-3]
    predicted, true = _signed_volumes(pred, same_chain), _signed_volumes(x1, same_chain)
    add(batch[3:][same_chain], ((predicted - true) * _CA_SPACING_NM) ** 2)
    late = (t >= from_time).to(weight.dtype)
    return (late * weight * errors / terms.clamp(min=1)).mean()


def _signed_volumes(x: Tensor, same_chain: Tensor) -> Tensor:
    """``(b1 x b2) . b3 / 0.38^3`` of the steps ``b`` from each residue on, where in one chain."""
    steps = (x[1:] - x[:-1]) / _CA_SPACING_NM
    b1, b2, b3 = steps[:-2], steps[1:-1], steps[2:]
    return (torch.linalg.cross(b1, b2) * b3).sum(-1)[same_chain]


@torch.no_grad()
def sample_backbones(
    net: BackboneNet,
    lengths: list[int],
    treatment: str,
    config: SamplingConfig,
    *,
    interpolant: Interpolant | None = None,
    seed: int | None = None,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    x0: Tensor | None = None,
    ss: Tensor | None = None,
    guidance: float = 1.0,
    generators: list[torch.Generator] | None = None,
) -> list[Tensor]:
    """C-alpha coordinates ``[L, 3]`` (A, centred) for each entry of ``lengths``.

    ``x0: [sum L, 3]`` (nm, centred per chain) replaces the prior draw. ``ss: [sum L]`` are the
    requested secondary-structure classes (:class:`~models.networks.backbone_net.Chains`);
    ``guidance`` w mixes the conditional and unconditional predictions as
    ``D_uncond + w (D_cond - D_uncond)`` (classifier-free guidance; 1 is the conditional model
    alone; above 1 a step runs the token stream twice on shared pair biases). ``generators``
    (one per chain, on the CPU) draw each chain's SDE noise, so that it does not depend on the
    batch.
    """
    interpolant = Interpolant() if interpolant is None else interpolant
    net.eval()
    device = next(net.parameters()).device
    chains = Chains(_chain_index(lengths, device), None if ss is None else ss.to(device))
    sampler = make_sampler(treatment, config, interpolant)
    previous: Tensor | None = None  # the last prediction, for a self-conditioned network

    def denoise(x: Tensor, t: Tensor) -> Tensor:
        nonlocal previous
        times = t.to(device).expand(len(lengths))
        if chains.ss is not None and guidance != 1.0:
            predicted = net.guided(x, times, chains, previous, guidance)
        else:
            predicted = net(x, times, chains, previous)
        previous = predicted
        return predicted

    x = sampler.sample(
        denoise,
        PointClouds(chains.batch, len(lengths), generators),
        torch.zeros(len(chains.batch), 3, device=device),
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
    chains = Chains(batch)
    space = PointClouds(batch, len(cas))
    x1 = torch.cat([ca - ca.mean(0) for ca in cas]).to(device, torch.float32) / ANGSTROM_PER_NM
    generator = torch.Generator(device=device).manual_seed(seed)
    x_t = interpolant.interpolate(space.noise(x1, generator), x1, torch.tensor(t, device=device))
    times = torch.full((len(cas),), t, device=device)
    predicted = net(x_t, times, chains, None)
    if net.config.self_conditioning:
        predicted = net(x_t, times, chains, predicted)
    return (
        list((x_t * ANGSTROM_PER_NM).cpu().split(lengths)),
        list((predicted * ANGSTROM_PER_NM).cpu().split(lengths)),
    )


def _chain_index(lengths: list[int], device: torch.device) -> Tensor:
    """``batch: [sum L]``, the chain of every residue, for chains of ``lengths``."""
    sizes = torch.tensor(lengths, device=device)
    return torch.repeat_interleave(torch.arange(len(lengths), device=device), sizes)
