"""Measurements of a fitted encoder against the world's true latents and group.

* ``r2``: linear identifiability, the held-out ``R^2`` of an affine readout ``z ~ A f(y) + b``
  (mean over the ``D`` latents; 1 means ``f`` is the true latent up to a linear map), and
  ``r2_per_latent``, the same for each latent (which factors the encoder found).
* ``equivariance_error``: ``sum |R(g) f(y) - f(g y)|^2 / sum |f(g y) - mean|^2`` on held-out
  pairs, ``R(g)`` solved from separate reference pairs of the same ``g``. An invariant ``f``
  meets it trivially (``R = I``), so also
* ``latent_equivariance_error``: the same prediction read out to the true latents,
  ``sum |A R(g) f(y) + b - rho(g) z|^2 / sum |rho(g) z - mean|^2``; it needs the action itself.
* ``homomorphism_error``: ``|(R(g_1) R(g_2) - R(g_1 g_2)) f(y)| / |R(g_1 g_2) f(y)|`` averaged
  over held-out embeddings, each ``R`` solved from its own pairs (on the data, so directions
  the embeddings never take do not count). Each ``R`` is solved from ``references`` = 256
  pairs: with 32, the least-squares noise alone made most of the error (a latent-world encoder
  measured 0.135 from 32 pairs, 0.069 from 128, 0.037 from 512).
* ``position_share`` (shapes only): the share of the embedding's variance that the scenes'
  positions alone explain; near 1 when only the positions are read (the orientation and
  the outline not at all).
* ``variance_shares``: the embedding's variance along its principal directions; trailing
  zeros say that it has collapsed onto fewer dimensions than it has.
* ``twisted_r2`` (shapes only): ``R^2`` of each latent circle up to a *shear* of the circles,
  an automorphism of ``G = R_m x Z_n x Z_n``. Composing the true representation with one, e.g.
  the orientation ``(cos, sin)(2 phi + pi a)`` whose sign flips with each quarter shift ``a``
  along x, gives an embedding just as equivariant (the shift acts on it by a half turn), and
  on a finite set of poses the objective cannot tell it from the true one, while a linear
  readout of the true latents scores it 0. Per circle ``i`` it is the best ``R^2`` of
  ``(cos, sin)(k . theta)`` over the characters ``k`` with ``k_i = 1`` (``theta``: the
  circles' angles), with the ``k`` found.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from models.aux.ebc.model import Encoder, solve_representation
from models.aux.ebc.worlds import ShapesWorld, World

__all__ = [
    "Measurements",
    "embed",
    "explained_share",
    "latent_r2",
    "linear_r2",
    "measure",
    "position_share",
    "twisted_r2",
    "variance_shares",
]


@dataclass(frozen=True)
class Measurements:
    """The measurements of one encoder (see the module docstring)."""

    r2: float
    r2_per_latent: tuple[float, ...]
    equivariance_error: float
    latent_equivariance_error: float
    homomorphism_error: float

    def rounded(self, digits: int = 4) -> dict[str, float | list[float]]:
        """A JSON-ready dict, every number rounded to ``digits``."""
        return {
            key: [round(v, digits) for v in value]
            if isinstance(value, tuple)
            else round(value, digits)
            for key, value in asdict(self).items()
        }


@torch.no_grad()
def embed(encoder: Encoder, y: np.ndarray, batch: int = 4096) -> np.ndarray:
    """Embeddings ``[B, D]`` (float64) of observations ``y: [B, F]``."""
    parts = [
        encoder(torch.as_tensor(y[i : i + batch], dtype=torch.float32)).double().numpy()
        for i in range(0, len(y), batch)
    ]
    return np.concatenate(parts) if parts else np.zeros((0, encoder.embedding_dim))


def _affine(x: np.ndarray) -> np.ndarray:
    return np.concatenate([x, np.ones((len(x), 1))], axis=1)


def _fit_readout(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Affine least squares ``W: [D + 1, D_z]`` with ``z ~ [x, 1] W``."""
    return np.linalg.lstsq(_affine(x), z, rcond=None)[0]


def latent_r2(
    x_fit: np.ndarray, z_fit: np.ndarray, x_test: np.ndarray, z_test: np.ndarray
) -> np.ndarray:
    """Held-out ``R^2`` of each latent ``[D_z]``, affine readout fitted on ``(x_fit, z_fit)``."""
    pred = _affine(x_test) @ _fit_readout(x_fit, z_fit)
    ss_res = ((pred - z_test) ** 2).sum(0)
    ss_tot = ((z_test - z_test.mean(0)) ** 2).sum(0)
    return 1 - ss_res / ss_tot


def linear_r2(
    x_fit: np.ndarray, z_fit: np.ndarray, x_test: np.ndarray, z_test: np.ndarray
) -> float:
    """Mean of :func:`latent_r2` over the latents."""
    return float(np.mean(latent_r2(x_fit, z_fit, x_test, z_test)))


def _represent(encoder: Encoder, world: World, g: np.ndarray, n: int, rng) -> np.ndarray:
    """``R(g_s): [S, D, D]`` from ``n`` fresh pairs per element ``g: [S]``."""
    s = world.sample(len(g) * n, rng)
    x = embed(encoder, world.observe(s)).reshape(len(g), n, -1)
    moved = world.act(np.repeat(g, n), s)
    x_prime = embed(encoder, world.observe(moved)).reshape(len(g), n, -1)
    return solve_representation(torch.from_numpy(x), torch.from_numpy(x_prime)).numpy()


def measure(
    encoder: Encoder,
    world: World,
    *,
    samples: int = 4000,
    elements: int = 64,
    references: int = 256,
    seed: int = 10_000,
) -> Measurements:
    """All measurements on fresh data from ``world`` (``seed`` apart from training's)."""
    rng = np.random.default_rng(seed)
    fit_s, test_s = world.sample(samples, rng), world.sample(samples, rng)
    x_fit = embed(encoder, world.observe(fit_s))
    readout = _fit_readout(x_fit, fit_s.z)
    per_latent = latent_r2(x_fit, fit_s.z, embed(encoder, world.observe(test_s)), test_s.z)

    g = world.group.sample(elements, rng)
    r = _represent(encoder, world, g, references, rng)
    per = max(1, samples // elements)
    s = world.sample(elements * per, rng)
    moved = world.act(np.repeat(g, per), s)
    x = embed(encoder, world.observe(s)).reshape(elements, per, -1)
    x_prime = embed(encoder, world.observe(moved)).reshape(elements, per, -1)
    pred = np.einsum("sij,spj->spi", r, x)
    equivariance = ((pred - x_prime) ** 2).sum() / ((x_prime - x_prime.mean((0, 1))) ** 2).sum()
    z_prime = moved.z.reshape(elements, per, -1)
    z_pred = _affine(pred.reshape(elements * per, -1)) @ readout
    latent = ((z_pred - moved.z) ** 2).sum() / ((z_prime - z_prime.mean((0, 1))) ** 2).sum()

    g1, g2 = world.group.sample(elements, rng), world.group.sample(elements, rng)
    r1, r2, r12 = (
        _represent(encoder, world, h, references, rng)
        for h in (g1, g2, world.group.compose(g1, g2))
    )
    probe = x.reshape(elements * per, -1)
    gap = np.einsum("sij,pj->spi", r1 @ r2 - r12, probe)
    hom = np.linalg.norm(gap, axis=-1) / np.linalg.norm(
        np.einsum("sij,pj->spi", r12, probe), axis=-1
    )
    return Measurements(
        float(per_latent.mean()),
        tuple(float(v) for v in per_latent),
        float(equivariance),
        float(latent),
        float(hom.mean()),
    )


def position_share(
    encoder: Encoder, world: ShapesWorld, *, samples: int = 4000, seed: int = 10_000
) -> float:
    """Share of the embeddings' variance explained by their scenes' positions alone."""
    s = world.sample(samples, np.random.default_rng(seed))
    return explained_share(embed(encoder, world.observe(s)), world.position_index(s))


def variance_shares(
    encoder: Encoder, world: World, *, samples: int = 4000, seed: int = 10_000
) -> tuple[float, ...]:
    """Shares of the embeddings' variance along their principal directions, largest first.

    Trailing zeros mean a collapsed embedding: directions that carry nothing at all, as
    opposed to directions filled by a factor other than the one sought.
    """
    s = world.sample(samples, np.random.default_rng(seed))
    x = embed(encoder, world.observe(s))
    spectrum = np.linalg.svd(x - x.mean(0), compute_uv=False) ** 2
    return tuple(float(v) for v in spectrum / spectrum.sum())


def explained_share(x: np.ndarray, labels: np.ndarray) -> float:
    """Share of the variance of ``x: [B, D]`` that the mean of ``x`` per label explains."""
    _, label = np.unique(labels, return_inverse=True)
    means = np.zeros((label.max() + 1, x.shape[1]))
    np.add.at(means, label, x)
    means /= np.bincount(label)[:, None]
    return float(1 - ((x - means[label]) ** 2).sum() / ((x - x.mean(0)) ** 2).sum())


CIRCLES = ("orientation", "x", "y")


def circle_angles(z: np.ndarray) -> np.ndarray:
    """Angles ``[B, 3]`` of the shapes' latent circles ``z = (cos, sin) x 3``."""
    return np.arctan2(z[:, 1::2], z[:, 0::2])


def best_twists(
    x_fit: np.ndarray,
    theta_fit: np.ndarray,
    x_test: np.ndarray,
    theta_test: np.ndarray,
    orders: tuple[int, ...],
) -> list[tuple[tuple[int, ...], float]]:
    """Per circle ``i``: the best character ``k`` and its held-out ``R^2``.

    ``k`` runs over ``k_i = 1``, ``0 <= k_j < orders_j``; ``R^2`` is that of an affine readout of
    the embeddings ``x`` onto ``(cos, sin)(k . theta)``.
    """
    found = []
    for i in range(len(orders)):
        ranges = [range(1, 2) if j == i else range(order) for j, order in enumerate(orders)]
        scored = []
        for k in itertools.product(*ranges):
            phase_fit, phase_test = theta_fit @ np.array(k), theta_test @ np.array(k)
            r2 = latent_r2(x_fit, _cos_sin(phase_fit), x_test, _cos_sin(phase_test)).mean()
            scored.append((float(r2), k))
        r2, k = max(scored)
        found.append((k, r2))
    return found


def _cos_sin(phase: np.ndarray) -> np.ndarray:
    return np.stack([np.cos(phase), np.sin(phase)], axis=1)


def twisted_r2(
    encoder: Encoder, world: ShapesWorld, *, samples: int = 4000, seed: int = 10_000
) -> dict[str, dict[str, Any]]:
    """``{circle: {"character": k, "r2": R^2}}``: each circle up to a shear (module docstring)."""
    rng = np.random.default_rng(seed)
    fit_s, test_s = world.sample(samples, rng), world.sample(samples, rng)
    found = best_twists(
        embed(encoder, world.observe(fit_s)),
        circle_angles(fit_s.z),
        embed(encoder, world.observe(test_s)),
        circle_angles(test_s.z),
        world.circle_orders,
    )
    pairs = zip(CIRCLES, found, strict=True)
    return {name: {"character": list(k), "r2": r2} for name, (k, r2) in pairs}
