"""The measurements: PSNR and SSIM of the predicted ``g x`` against the pixel baseline."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from models.aux.latent.data import heldout_triples, make_triples, random_angles, rotate
from models.aux.latent.model import LatentActionAE

__all__ = ["composition_metrics", "heldout_metrics", "pixel_action", "psnr", "ssim"]


def pixel_action(x: Tensor, theta: Tensor) -> Tensor:
    """The data-space baseline: rotate the pixels of ``x: [B, H, W]`` by ``theta: [B]``."""
    return rotate(x, theta)


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
