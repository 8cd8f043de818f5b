"""The rotated digits: images, the fixed occluder, and triples ``(x, g, g x)``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "DIGIT_SIZE",
    "IMAGE_SIZE",
    "OCCLUDER_COLS",
    "OCCLUDER_ROWS",
    "OCCLUDER_VALUE",
    "Triples",
    "heldout_triples",
    "load_digit_images",
    "make_triples",
    "occlude",
    "random_angles",
    "rotate",
    "split_digits",
]

IMAGE_SIZE = 24
"""Side of every image: the 8x8 digit upsampled to 16x16, centred, so rotations stay inside."""
DIGIT_SIZE = 16
OCCLUDER_ROWS = slice(3, 10)
OCCLUDER_COLS = slice(13, 20)
OCCLUDER_VALUE = 0.5
"""The fixed grey 7x7 block of the occluded setting; it overlaps the digit's upper right."""


@dataclass(frozen=True)
class Triples:
    """``x: [B, H, W]``, ``theta: [B]`` (radians) and the truth ``gx: [B, H, W]``."""

    x: Tensor
    theta: Tensor
    gx: Tensor


def load_digit_images(size: int = IMAGE_SIZE, digit_size: int = DIGIT_SIZE) -> Tensor:
    """scikit-learn's 1,797 digits, ``[M, size, size]`` in [0, 1], upsampled and centred."""
    from sklearn.datasets import load_digits

    raw = torch.as_tensor(load_digits().images, dtype=torch.float32) / 16.0
    up = F.interpolate(raw[:, None], size=(digit_size, digit_size), mode="bilinear")
    pad = (size - digit_size) // 2
    return F.pad(up, (pad, size - digit_size - pad) * 2)[:, 0].clamp(0, 1)


def split_digits(
    images: Tensor, test_fraction: float = 0.2, seed: int = 0
) -> tuple[Tensor, Tensor]:
    """Train and held-out digits, ``[M_train, H, W]`` and ``[M_test, H, W]`` (seeded shuffle)."""
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    num_test = round(len(images) * test_fraction)
    return images[order[num_test:]], images[order[:num_test]]


def rotate(images: Tensor, theta: Tensor) -> Tensor:
    r"""Rotate ``images: [B, H, W]`` by ``theta: [B]`` about the centre (bilinear, zero fill).

    The output pixel at :math:`p` samples the input at :math:`R(\theta)^{-1} p`, with
    :math:`R` counter-clockwise on screen.
    """
    cos, sin = theta.cos(), theta.sin()
    zero = torch.zeros_like(theta)
    affine = torch.stack([torch.stack([cos, -sin, zero], -1), torch.stack([sin, cos, zero], -1)], 1)
    grid = F.affine_grid(affine.to(images.dtype), [len(images), 1, *images.shape[-2:]], False)
    return F.grid_sample(images[:, None], grid, align_corners=False)[:, 0]


def occlude(images: Tensor) -> Tensor:
    """Paint the fixed grey block over ``images: [B, H, W]`` (a copy)."""
    out = images.clone()
    out[:, OCCLUDER_ROWS, OCCLUDER_COLS] = OCCLUDER_VALUE
    return out


def make_triples(digits: Tensor, theta_0: Tensor, theta: Tensor, occluded: bool) -> Triples:
    """``x = rotate(digit, theta_0)`` and ``g x = rotate(digit, theta_0 + theta)``, ``[B, H, W]``.

    With ``occluded`` the block is painted after rotating: the digit turns, the block does not.
    """
    x, gx = rotate(digits, theta_0), rotate(digits, theta_0 + theta)
    if occluded:
        x, gx = occlude(x), occlude(gx)
    return Triples(x, theta, gx)


def random_angles(num: int, generator: torch.Generator) -> Tensor:
    """``[num]`` angles uniform in [0, 2 pi)."""
    return 2 * math.pi * torch.rand(num, generator=generator)


def heldout_triples(digits: Tensor, occluded: bool, draws: int = 2, seed: int = 123) -> Triples:
    """``draws`` seeded triples per held-out digit of ``digits: [M, H, W]``, ``[draws M, H, W]``."""
    gen = torch.Generator().manual_seed(seed)
    repeated = digits.repeat(draws, 1, 1)
    num = len(repeated)
    return make_triples(repeated, random_angles(num, gen), random_angles(num, gen), occluded)
