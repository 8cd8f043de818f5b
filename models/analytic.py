r"""Closed-form optimal denoisers for radially symmetric targets: the samplers' ground truth.

A structure here is one vector ``y`` in d dimensions (d = 3: the bond vector of a diatomic;
d = 2: a point in the plane) whose length ``r`` follows a Gaussian mixture and whose direction is
uniform. Under the interpolant, the noisy vector is ``y_t = alpha_t y_0 + beta_t r u`` with
``y_0 ~ N(0, c I)`` (``c = 2`` for the bond vector of a centred diatomic, 1 in the plane). Given
``y_t`` and ``r`` the direction ``u`` is von Mises–Fisher with concentration

.. math:: \kappa = \beta_t\, r\, |y_t| / (c\, \alpha_t^2)

around :math:`\hat y_t`, and the length has posterior weights
:math:`p(r)\, e^{-\beta_t^2 r^2 / (2 c \alpha_t^2)} Z_d(\kappa)` with
:math:`Z_3 = \sinh\kappa/\kappa` and :math:`Z_2 = I_0(\kappa)`. Every optimum is then a 1-D
quadrature over ``r``:

- conventional (and quotient: the optimum is radial, hence horizontal):
  :math:`E[r\, A_d(\kappa)]\, \hat y_t` with the mean resultant length
  :math:`A_3 = \coth\kappa - 1/\kappa`, :math:`A_2 = I_1/I_0`;
- aligned (GeoDiff's ``x_1`` rotated onto ``x_t``, and AF3's fixed point, which coincide for a
  single vector): :math:`E[r]\, \hat y_t`.

The quadrature puts, for each mixture component, a fixed grid of nodes on the Gaussian that
approximates that component times the likelihood, and weighs the nodes by the exact integrand;
so it stays accurate both at t=0 (posterior = prior) and near t=1 (posterior much narrower than
the prior).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor

__all__ = ["OptimumKind", "RadialMixture", "radial_optimum", "radial_posterior_moments"]

OptimumKind = Literal["conventional", "aligned"]

_NODES = torch.linspace(-6.0, 6.0, 13, dtype=torch.float64)


@dataclass(frozen=True)
class RadialMixture:
    """Length distribution: a mixture of Gaussians (``means``, ``stds``, ``weights``, Å or units).

    The components should sit many standard deviations above zero; lengths are positive.
    """

    means: tuple[float, ...]
    stds: tuple[float, ...]
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        if not len(self.means) == len(self.stds) == len(self.weights):
            raise ValueError("means, stds and weights must have one entry per component")
        if min(m - 6 * s for m, s in zip(self.means, self.stds, strict=True)) <= 0:
            raise ValueError("every component must lie at least 6 standard deviations above 0")

    def _params(self) -> tuple[Tensor, Tensor, Tensor]:
        means = torch.tensor(self.means, dtype=torch.float64)
        stds = torch.tensor(self.stds, dtype=torch.float64)
        weights = torch.tensor(self.weights, dtype=torch.float64)
        return means, stds, weights / weights.sum()

    def sample(self, num: int, generator: torch.Generator | None = None) -> Tensor:
        """``num`` lengths ``[num]`` (float64)."""
        means, stds, weights = self._params()
        comp = torch.multinomial(weights, num, replacement=True, generator=generator)
        z = torch.randn(num, dtype=torch.float64, generator=generator)
        return means[comp] + stds[comp] * z

    def cdf(self, r: Tensor) -> Tensor:
        """Cumulative distribution function at ``r`` (any shape, float64)."""
        means, stds, weights = self._params()
        z = (r.unsqueeze(-1) - means) / (stds * 2**0.5)
        return (weights * 0.5 * (1 + torch.erf(z))).sum(-1)


def _von_mises_fisher_terms(kappa: Tensor, dim: int) -> tuple[Tensor, Tensor]:
    """``(log Z_d(kappa), A_d(kappa))`` up to a constant in ``log Z``.

    ``Z_3 = sinh k / k`` and ``A_3 = coth k - 1/k``; ``Z_2 = I0(k)`` and ``A_2 = I1(k) / I0(k)``,
    where ``A_d = E[u . mu]`` is the mean resultant length of the von Mises–Fisher law.
    """
    if dim == 2:
        i0e, i1e = torch.special.i0e(kappa), torch.special.i1e(kappa)
        return torch.log(i0e) + kappa, i1e / i0e
    small = kappa < 1e-3
    safe = torch.where(small, torch.ones_like(kappa), kappa)
    log_z = torch.where(
        small, kappa * kappa / 6, safe + torch.log1p(-torch.exp(-2 * safe)) - torch.log(2 * safe)
    )
    resultant = torch.where(small, kappa / 3, 1 / torch.tanh(safe) - 1 / safe)
    return log_z, resultant


def radial_posterior_moments(
    y_t: Tensor, alpha: float, beta: float, mixture: RadialMixture, noise_var: float
) -> tuple[Tensor, Tensor]:
    """``(E[r A_d(kappa) | y_t], E[r | y_t])``, each ``[B]``, for ``y_t: [B, d]`` (float64).

    ``noise_var`` is ``c``, the variance per coordinate of ``y_0``. Needs ``alpha > 0``.
    """
    if alpha <= 0:
        raise ValueError("the posterior is a point mass at t=1 (alpha=0); evaluate before it")
    dim = y_t.shape[-1]
    y_t = y_t.to(torch.float64)
    means, stds, weights = mixture._params()
    y_norm = y_t.norm(dim=-1, keepdim=True)  # [B, 1]
    tau_sq = noise_var * alpha**2
    # Gaussian approximation of component k times the likelihood, to place the nodes.
    precision = 1 / stds**2 + beta**2 / tau_sq  # [K]
    centre = (means / stds**2 + y_norm * beta / tau_sq) / precision  # [B, K]
    spread = precision.rsqrt()  # [K]
    r = (centre.unsqueeze(-1) + spread[:, None] * _NODES).clamp_min(1e-12)  # [B, K, Q]
    kappa = beta * r * y_norm.unsqueeze(-1) / tau_sq
    log_prior = (
        torch.log(weights)[:, None]
        - torch.log(stds)[:, None]
        - 0.5 * ((r - means[:, None]) / stds[:, None]) ** 2
    )
    log_z, resultant = _von_mises_fisher_terms(kappa, dim)
    log_like = -(beta**2) * r * r / (2 * tau_sq) + log_z
    log_w = log_prior + log_like + torch.log(spread)[:, None]
    w = torch.softmax(log_w.flatten(1), dim=-1).view_as(r)
    mean_projected = (w * r * resultant).sum((-2, -1))
    mean_length = (w * r).sum((-2, -1))
    return mean_projected, mean_length


def radial_optimum(
    y_t: Tensor,
    alpha: float,
    beta: float,
    mixture: RadialMixture,
    noise_var: float,
    kind: OptimumKind,
) -> Tensor:
    """Optimal denoiser ``[B, d]`` at ``y_t: [B, d]``, in ``y_t``'s dtype.

    ``conventional``: ``E[y_1 | y_t]`` (also the quotient optimum); ``aligned``: the GeoDiff and
    AF3 target ``E[A(y_1) | y_t]``.
    """
    mean_projected, mean_length = radial_posterior_moments(y_t, alpha, beta, mixture, noise_var)
    length = mean_projected if kind == "conventional" else mean_length
    direction = y_t.to(torch.float64)
    direction = direction / direction.norm(dim=-1, keepdim=True).clamp_min(1e-300)
    return (length.unsqueeze(-1) * direction).to(y_t.dtype)
