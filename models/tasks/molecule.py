"""De novo molecule task: sample atom types and 3-D coordinates together (EDM's setting).

Each atom is a row ``[x, y, z, f_1 .. f_T]`` of :class:`models.spaces.AtomClouds`: the
coordinates follow the checkpoint's treatment (quotient or plain sampler), the atom-type
one-hot, scaled by :data:`FEATURE_SCALE` as in EDM, is relaxed to a Gaussian and integrated as
plain Euclidean variables; the type is the arg-max at the end. Molecule sizes are drawn from
the training histogram unless given.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from models.interpolant import Interpolant
from models.samplers import CancelCheck, ProgressCallback, SamplingConfig, make_sampler
from models.spaces import AtomClouds

__all__ = [
    "FEATURE_SCALE",
    "decode_types",
    "draw_sizes",
    "encode_types",
    "sample_molecules",
]

FEATURE_SCALE = 0.25  # EDM's normalisation of the one-hot (coordinates stay dominant)


def encode_types(types: Tensor, num_types: int) -> Tensor:
    """Scaled one-hot features ``[N, T]`` of element indices ``[N]``."""
    return nn.functional.one_hot(types.long(), num_types).float() * FEATURE_SCALE


def decode_types(features: Tensor) -> Tensor:
    """Element indices ``[N]``: the arg-max of the features."""
    return features.argmax(-1)


def draw_sizes(histogram: np.ndarray, count: int, seed: int) -> list[int]:
    """``count`` atom counts drawn from ``histogram`` (index = atom count)."""
    probabilities = np.asarray(histogram, dtype=float)
    rng = np.random.default_rng(seed)
    weights = probabilities / probabilities.sum()
    return rng.choice(len(probabilities), size=count, p=weights).tolist()


@torch.no_grad()
def sample_molecules(
    net: nn.Module,
    sizes: list[int],
    num_types: int,
    treatment: str,
    config: SamplingConfig,
    *,
    interpolant: Interpolant | None = None,
    seed: int | None = None,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
) -> list[tuple[Tensor, Tensor]]:
    """``(types [n], positions [n, 3])`` per molecule, one for each entry of ``sizes``."""
    interpolant = Interpolant() if interpolant is None else interpolant
    net.eval()
    device = next(net.parameters()).device
    batch = torch.repeat_interleave(
        torch.arange(len(sizes), device=device), torch.tensor(sizes, device=device)
    )
    space = AtomClouds(batch, len(sizes))
    template = torch.zeros(len(batch), 3 + num_types, device=device)
    sampler = make_sampler(treatment, config, interpolant)
    state = sampler.sample(
        lambda x, t: net(x, t.expand(len(sizes)), batch),
        space,
        template,
        seed=seed,
        progress=progress,
        cancelled=cancelled,
    )
    pieces = state.cpu().split(sizes)
    return [(decode_types(p[:, 3:]), p[:, :3]) for p in pieces]
