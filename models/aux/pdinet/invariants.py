r"""Second-order projective differential invariants of a multi-channel image.

For channels ``u^i`` (``u: [B, C, H, W]``) with Gaussian derivatives ``u_x, u_y, u_xx, u_xy,
u_yy``, Hessian form ``Q^i`` and ``∇⊥u = (-u_y, u_x)``, the maps are (``6C - 5`` for ``C ≥ 2``):

.. math::

    u^i, \qquad
    I^i = Q^i(∇⊥u^i, ∇⊥u^i) = u_{xx} u_y^2 - 2 u_{xy} u_x u_y + u_{yy} u_x^2,

    M^{i,i+1} = 2 Q^i(∇⊥u^i, ∇⊥u^{i+1}) + Q^{i+1}(∇⊥u^i, ∇⊥u^i), \quad M^{i+1,i} \text{ (swap)},

    J^{i,i+1}, \; J^{i,i+2}, \qquad J^{i,j} = u^i_x u^j_y - u^i_y u^j_x.

Under a homography with inverse Jacobian ``A = ∂x/∂x̃`` the Hessian picks up ``∇u · B(s, r)``
with ``B(s, r) = α(s) A r + α(r) A s`` (a projective map sends lines to lines), which vanishes
on ``I`` and cancels between the two terms of ``M``; with ``A R A^T = det(A) R`` this makes
``I, M`` relative invariants of weight 2 and ``J`` of weight 1. Dividing by the reference
Jacobian ``J_ref`` of two input channels (``I / J_ref^2``, ``M / J_ref^2``, ``J / J_ref``)
gives absolute invariants; ``u`` itself has weight 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = [
    "Jet",
    "gaussian_jet",
    "normalised_invariants",
    "num_invariants",
    "reference_jacobian",
    "relative_invariants",
]


@dataclass(frozen=True)
class Jet:
    """Channel values and their first and second Gaussian derivatives, each ``[B, C, H, W]``."""

    u: Tensor
    u_x: Tensor
    u_y: Tensor
    u_xx: Tensor
    u_xy: Tensor
    u_yy: Tensor

    def stacked(self) -> Tensor:
        """The five derivative maps per channel, ``[B, 5C, H, W]`` (the raw jet)."""
        return torch.cat([self.u_x, self.u_y, self.u_xx, self.u_xy, self.u_yy], dim=1)


def _gaussian_kernels(sigma: float, dtype: torch.dtype) -> Tensor:
    """1-D Gaussian and its first two derivatives, ``[3, K]``, ``K = 2 ceil(4 sigma) + 1``.

    The derivative kernels are rescaled (and the second shifted to sum to zero) so that they
    are exact on polynomials of degree 2, as the truncated, sampled Gaussian is not.
    """
    radius = math.ceil(4 * sigma)
    t = torch.arange(-radius, radius + 1, dtype=dtype)
    g = torch.exp(-(t**2) / (2 * sigma**2))
    g = g / g.sum()
    first = -t * g
    first = first / -(t * first).sum()
    second = (t**2 / sigma**2 - 1) * g
    second = second - g * second.sum()
    second = second / (t**2 * second).sum() * 2
    return torch.stack([g, first, second])


def _filter_matrices(size: int, sigma: float, dtype: torch.dtype) -> Tensor:
    """``[3, size, size]``: 1-D convolution with each kernel, replicate padding folded in.

    ``(K v)_i = sum_m k(m) v_{clamp(i - m)}``; filtering an image is then two small matmuls,
    far cheaper on a CPU than single-channel convolutions.
    """
    kernels = _gaussian_kernels(sigma, dtype)
    radius = kernels.shape[1] // 2
    offsets = torch.arange(-radius, radius + 1)
    rows = torch.arange(size).unsqueeze(1).expand(size, offsets.numel())
    cols = (rows - offsets).clamp(0, size - 1)
    matrices = torch.zeros(3, size, size, dtype=dtype)
    for order in range(3):
        matrices[order].index_put_((rows, cols), kernels[order].expand_as(rows), accumulate=True)
    return matrices


def gaussian_jet(u: Tensor, sigma: float = 1.0) -> Jet:
    """Separable Gaussian-derivative filtering of ``u: [B, C, H, W]`` (derivatives per pixel).

    Replicate padding keeps the maps the size of the image; the outer ``4 sigma`` pixels are
    biased by it, which is why comparisons stay away from the border.
    """
    along_y = _filter_matrices(u.shape[2], sigma, u.dtype).to(u.device)
    along_x = _filter_matrices(u.shape[3], sigma, u.dtype).to(u.device)
    by_x = [u @ along_x[order].T for order in range(3)]
    return Jet(
        u=along_y[0] @ by_x[0],
        u_x=along_y[0] @ by_x[1],
        u_y=along_y[1] @ by_x[0],
        u_xx=along_y[0] @ by_x[2],
        u_xy=along_y[1] @ by_x[1],
        u_yy=along_y[2] @ by_x[0],
    )


def num_invariants(channels: int) -> int:
    """``6C - 5`` maps for ``C ≥ 2`` channels."""
    if channels < 2:
        raise ValueError(f"the joint invariants need at least 2 channels, got {channels}")
    return 6 * channels - 5


def _hessian_form(
    jet: Jet, rows: slice, a: tuple[Tensor, Tensor], b: tuple[Tensor, Tensor]
) -> Tensor:
    """``Q^i(a, b)`` for the channels ``rows``; fields ``a, b = (x, y)``, each ``[B, C', H, W]``."""
    return (
        a[0] * b[0] * jet.u_xx[:, rows]
        + (a[0] * b[1] + a[1] * b[0]) * jet.u_xy[:, rows]
        + a[1] * b[1] * jet.u_yy[:, rows]
    )


def _perp_grad(jet: Jet, rows: slice) -> tuple[Tensor, Tensor]:
    """``∇⊥u = (-u_y, u_x)`` of the channels ``rows``, tangent to the isophotes."""
    return -jet.u_y[:, rows], jet.u_x[:, rows]


def _jacobian(jet: Jet, first: slice, second: slice) -> Tensor:
    """``J^{i,j} = u^i_x u^j_y - u^i_y u^j_x`` for ``i`` in ``first``, ``j`` in ``second``."""
    return jet.u_x[:, first] * jet.u_y[:, second] - jet.u_y[:, first] * jet.u_x[:, second]


def relative_invariants(jet: Jet) -> tuple[Tensor, Tensor, Tensor]:
    """The unnormalised maps by weight: ``(u [B,C,H,W], weight-2 [B,3C-2,H,W], J [B,2C-3,H,W])``.

    Weight 2 holds ``I^i``, then ``M^{i,i+1}``, then the swaps ``M^{i+1,i}``; weight 1 holds
    ``J^{i,i+1}`` then ``J^{i,i+2}``. All pairs are computed at once by channel slices.
    """
    num_invariants(jet.u.shape[1])
    every, first, second = slice(None), slice(None, -1), slice(1, None)
    perp, perp_i, perp_j = _perp_grad(jet, every), _perp_grad(jet, first), _perp_grad(jet, second)
    isophote = _hessian_form(jet, every, perp, perp)
    mixed = 2 * _hessian_form(jet, first, perp_i, perp_j) + _hessian_form(
        jet, second, perp_i, perp_i
    )
    swapped = 2 * _hessian_form(jet, second, perp_j, perp_i) + _hessian_form(
        jet, first, perp_j, perp_j
    )
    weight1 = [_jacobian(jet, first, second), _jacobian(jet, slice(None, -2), slice(2, None))]
    return jet.u, torch.cat([isophote, mixed, swapped], dim=1), torch.cat(weight1, dim=1)


def reference_jacobian(image: Tensor, channels: tuple[int, int], sigma: float = 1.0) -> Tensor:
    """``J_ref: [B, 1, H, W]``, the Jacobian of two input channels ``image: [B, C, H, W]``."""
    i, j = channels
    return _jacobian(gaussian_jet(image[:, [i, j]], sigma), slice(0, 1), slice(1, 2))


def normalised_invariants(jet: Jet, j_ref: Tensor, eps: float = 1e-12) -> Tensor:
    """Absolute invariants ``[B, 6C-5, H, W]``: ``u``, weight 2 over ``J_ref^2``, ``J / J_ref``.

    ``j_ref: [B, 1, H, W]``; where ``|J_ref| < eps`` it is clamped to ``±eps`` (sign kept), so
    the maps stay finite where the reference degenerates (and are not invariant there).
    """
    safe = torch.where(j_ref >= 0, j_ref.clamp(min=eps), j_ref.clamp(max=-eps))
    u, weight2, weight1 = relative_invariants(jet)
    return torch.cat([u, weight2 / safe**2, weight1 / safe], dim=1)
