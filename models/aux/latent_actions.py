r"""Latent group actions: an autoencoder whose latent code carries the rotation ``g``.

After Jin, Shrivastava and Fletcher, "Learning Group Actions on Latent Representations"
(NeurIPS 2024). What this module follows from the paper:

* the group acts on the *latent* code, not on the pixels: an encoder :math:`E`, a linear action
  :math:`\rho(g)` on part of :math:`z = E(x)`, a decoder :math:`D` that renders the result;
* the remaining latent channels are left invariant, which is what lets a factor that does not
  move (here a fixed occluder) survive the action;
* training on triples :math:`(x, g, g \cdot x)` with the loss

  .. math::

      \mathcal{L} = \| D(\rho(g) E(x)) - g \cdot x \|^2 ;

* plain encoder/decoder networks (no group-specific layers), and the comparison against a
  data-space action on rotated digits with and without a block that stays put ("rotated and
  blocked MNIST"), measured by PSNR and SSIM of the predicted :math:`g \cdot x`.

What is ours, to fit a few CPU minutes: scikit-learn's 8x8 digits (1,797 images) stand in for
MNIST; small MLPs for encoder and decoder; no attention module (the paper's architecture
figure has one); and the action chosen here: ``K`` 2-D blocks of a latent vector rotated by
:math:`m_k \theta` (frequencies :math:`m_k = 1 + (k \bmod M)`), so :math:`\rho` is an exact
representation of SO(2) and :math:`\rho(g_2)\rho(g_1) = \rho(g_2 g_1)` holds to float
precision. The pixel baseline is exact rotation of ``x``, not a learnt data-space model.

Shapes: ``B`` images, ``H = W`` pixels a side (24), ``K`` rotation blocks, ``F`` latent
features (``2K`` rotating, then the invariant ones). Images are ``[B, H, W]`` in ``[0, 1]``;
angles are radians, counter-clockwise as displayed (row 0 at the top).
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "IMAGE_SIZE",
    "LatentActionAE",
    "LatentConfig",
    "TrainConfig",
    "Triples",
    "composition_metrics",
    "heldout_metrics",
    "heldout_triples",
    "load_digit_images",
    "make_triples",
    "occlude",
    "pixel_action",
    "psnr",
    "random_angles",
    "rotate",
    "split_digits",
    "ssim",
    "train_model",
]

log = logging.getLogger(__name__)

IMAGE_SIZE = 24
"""Side of every image: the 8x8 digit upsampled to 16x16, centred, so rotations stay inside."""
DIGIT_SIZE = 16
OCCLUDER_ROWS = slice(3, 10)
OCCLUDER_COLS = slice(13, 20)
OCCLUDER_VALUE = 0.5
"""The fixed grey 7x7 block of the occluded setting; it overlaps the digit's upper right."""


@dataclass(frozen=True)
class LatentConfig:
    """The autoencoder: ``num_blocks`` rotating 2-D blocks plus ``invariant_dim`` features."""

    image_size: int = IMAGE_SIZE
    num_blocks: int = 16
    max_frequency: int = 4
    invariant_dim: int = 32
    hidden: int = 192
    occluded: bool = False

    @property
    def latent_dim(self) -> int:
        """``F = 2K + invariant_dim``."""
        return 2 * self.num_blocks + self.invariant_dim


@dataclass(frozen=True)
class TrainConfig:
    """Adam with a cosine schedule on fresh random triples each step."""

    steps: int = 2000
    batch_size: int = 128
    lr: float = 2e-3
    seed: int = 0


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


def pixel_action(x: Tensor, theta: Tensor) -> Tensor:
    """The data-space baseline: rotate the pixels of ``x: [B, H, W]`` by ``theta: [B]``."""
    return rotate(x, theta)


def rotation_blocks(theta: Tensor, frequencies: Tensor) -> Tensor:
    r""":math:`\rho(\theta)`: ``[B, K, 2, 2]`` rotations by :math:`m_k \theta`."""
    angle = theta[:, None] * frequencies
    cos, sin = angle.cos(), angle.sin()
    return torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


class LatentActionAE(nn.Module):
    r"""Encoder, latent action :math:`\rho(g)` on ``2K`` features, decoder.

    ``z: [B, F]``: features ``[:2K]`` are ``K`` pairs that the rotation turns, the rest are
    invariant.
    """

    def __init__(self, config: LatentConfig) -> None:
        super().__init__()
        self.config = config
        pixels = config.image_size**2
        self.encoder = _mlp([pixels, config.hidden, config.hidden, config.latent_dim])
        self.decoder = _mlp([config.latent_dim, config.hidden, config.hidden, pixels])
        freqs = 1.0 + torch.arange(config.num_blocks) % config.max_frequency
        self.register_buffer("frequencies", freqs, persistent=False)

    def encode(self, x: Tensor) -> Tensor:
        """``x: [B, H, W]`` -> ``z: [B, F]``."""
        return self.encoder(x.flatten(1))

    def act(self, z: Tensor, theta: Tensor) -> Tensor:
        r""":math:`\rho(\theta) z`, ``z: [B, F]``, ``theta: [B]``; invariant features untouched."""
        k = self.config.num_blocks
        pairs = z[:, : 2 * k].unflatten(1, (k, 2))
        turned = (rotation_blocks(theta, self.frequencies) @ pairs[..., None])[..., 0]
        return torch.cat([turned.flatten(1), z[:, 2 * k :]], 1)

    def decode(self, z: Tensor) -> Tensor:
        """``z: [B, F]`` -> image ``[B, H, W]`` in (0, 1)."""
        side = self.config.image_size
        return torch.sigmoid(self.decoder(z)).unflatten(1, (side, side))

    def forward(self, x: Tensor, theta: Tensor) -> Tensor:
        r""":math:`D(\rho(\theta) E(x))`: the predicted ``g x``, ``[B, H, W]``."""
        return self.decode(self.act(self.encode(x), theta))


def random_angles(num: int, generator: torch.Generator) -> Tensor:
    """``[num]`` angles uniform in [0, 2 pi)."""
    return 2 * math.pi * torch.rand(num, generator=generator)


def train_model(digits: Tensor, config: LatentConfig, train: TrainConfig) -> LatentActionAE:
    """Fit on fresh triples of ``digits: [M, H, W]`` each step (random digit, start, ``g``)."""
    torch.manual_seed(train.seed)
    gen = torch.Generator().manual_seed(train.seed)
    model = LatentActionAE(config)
    optim = torch.optim.Adam(model.parameters(), lr=train.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(optim, train.steps)
    for step in range(train.steps):
        idx = torch.randint(len(digits), (train.batch_size,), generator=gen)
        batch = make_triples(
            digits[idx],
            random_angles(train.batch_size, gen),
            random_angles(train.batch_size, gen),
            config.occluded,
        )
        loss = F.mse_loss(model(batch.x, batch.theta), batch.gx)
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()
        sched.step()
        if step % 500 == 0 or step == train.steps - 1:
            log.info("latent-action step %d/%d: mse %.5f", step + 1, train.steps, loss.item())
    return model.eval()


def psnr(pred: Tensor, target: Tensor) -> Tensor:
    r"""PSNR per image, ``[B]`` dB: :math:`-10\log_{10}\mathrm{MSE}` (data range 1)."""
    mse = (pred.clamp(0, 1) - target).square().flatten(1).mean(1)
    return -10 * torch.log10(mse.clamp_min(1e-10))


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> Tensor:
    ax = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    g = torch.exp(-(ax**2) / (2 * sigma**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None]


def ssim(pred: Tensor, target: Tensor) -> Tensor:
    r"""Structural similarity per image, ``[B]`` (Wang et al. 2004), data range 1.

    Gaussian window 11x11, :math:`\sigma = 1.5`, :math:`C_1 = 0.01^2`, :math:`C_2 = 0.03^2`,
    averaged over the window positions that lie inside the image (no padding):

    .. math::

        \mathrm{SSIM} = \frac{(2\mu_x\mu_y + C_1)(2\sigma_{xy} + C_2)}
                             {(\mu_x^2 + \mu_y^2 + C_1)(\sigma_x^2 + \sigma_y^2 + C_2)}
    """
    x, y = pred.clamp(0, 1)[:, None], target[:, None]
    w = _gaussian_window().to(x)
    mu_x, mu_y = F.conv2d(x, w), F.conv2d(y, w)
    var_x = F.conv2d(x * x, w) - mu_x**2
    var_y = F.conv2d(y * y, w) - mu_y**2
    cov = F.conv2d(x * y, w) - mu_x * mu_y
    c1, c2 = 0.01**2, 0.03**2
    num = (2 * mu_x * mu_y + c1) * (2 * cov + c2)
    den = (mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2)
    return (num / den).flatten(1).mean(1)


def heldout_triples(digits: Tensor, occluded: bool, draws: int = 2, seed: int = 123) -> Triples:
    """``draws`` seeded triples per held-out digit of ``digits: [M, H, W]``, ``[draws M, H, W]``."""
    gen = torch.Generator().manual_seed(seed)
    repeated = digits.repeat(draws, 1, 1)
    num = len(repeated)
    return make_triples(repeated, random_angles(num, gen), random_angles(num, gen), occluded)


def _scores(pred: Tensor, target: Tensor) -> dict[str, float]:
    return {"psnr": psnr(pred, target).mean().item(), "ssim": ssim(pred, target).mean().item()}


@torch.no_grad()
def heldout_metrics(
    model: LatentActionAE, digits: Tensor, occluded: bool, draws: int = 2, seed: int = 123
) -> dict[str, dict[str, float]]:
    """Mean PSNR (dB) and SSIM of ``g x`` on held-out triples, three ways.

    The latent model, the pixel rotation, and the do-nothing answer ``x`` (a floor to beat).
    """
    t = heldout_triples(digits, occluded, draws, seed)
    return {
        "latent": _scores(model(t.x, t.theta), t.gx),
        "pixel": _scores(pixel_action(t.x, t.theta), t.gx),
        "identity": _scores(t.x, t.gx),
    }


@torch.no_grad()
def composition_metrics(
    model: LatentActionAE, digits: Tensor, occluded: bool, seed: int = 321
) -> dict[str, dict[str, float]]:
    r"""``g_2 g_1`` applied in sequence versus as one element, on held-out ``digits: [M, H, W]``.

    Scores against the truth ``rotate(digit, theta_0 + theta_1 + theta_2)``: two latent actions
    in a row :math:`D(\rho(g_2)\rho(g_1)E(x))`, one action :math:`D(\rho(g_2 g_1)E(x))`, a round
    trip through the image :math:`D(\rho(g_2)E(D(\rho(g_1)E(x))))`, and the pixel rotation
    twice and once. Code differences are relative norms
    :math:`\|a - b\| / \|b\|`, averaged over the images.
    """
    gen = torch.Generator().manual_seed(seed)
    theta_0, theta_1, theta_2 = (random_angles(len(digits), gen) for _ in range(3))
    x = make_triples(digits, theta_0, theta_1, occluded).x
    truth = make_triples(digits, theta_0, theta_1 + theta_2, occluded).gx
    z = model.encode(x)
    z_seq = model.act(model.act(z, theta_1), theta_2)
    z_one = model.act(z, theta_1 + theta_2)
    z_mid = model.act(z, theta_1)
    z_reencoded = model.encode(model.decode(z_mid))

    def rel(a: Tensor, b: Tensor) -> float:
        return ((a - b).norm(dim=1) / b.norm(dim=1)).mean().item()

    return {
        "latent_sequential": _scores(model.decode(z_seq), truth),
        "latent_composed": _scores(model.decode(z_one), truth),
        "image_round_trip": _scores(model.decode(model.act(z_reencoded, theta_2)), truth),
        "pixel_sequential": _scores(rotate(rotate(x, theta_1), theta_2), truth),
        "pixel_composed": _scores(rotate(x, theta_1 + theta_2), truth),
        "code_difference": {
            "sequential_vs_composed": rel(z_seq, z_one),
            "reencoded_vs_acted": rel(z_reencoded, z_mid),
        },
    }
