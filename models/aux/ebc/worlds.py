r"""Data worlds: latents ``z: [B, D]`` a finite group acts on linearly, and their observations.

``latent``: ``z ~ N(0, I_D)``, acted on by signed permutations, observed through a fixed random
invertible MLP (square orthogonal layers with leaky ReLU, then an injective linear map to
``F > D`` features), as the paper's synthetic GL(n)/O(n) experiments mix latents.

``shapes``: small rendered images (``F = size * size`` pixels) of one of a few random
elongated, point-symmetric outlines at orientation ``phi`` (an angle mod ``pi``, like the
ellipses of dSprites) and periodic position ``(c_x, c_y)`` (fractions of the canvas); the
latents are

.. math::

    z = (\cos 2\phi, \sin 2\phi, \cos 2\pi c_x, \sin 2\pi c_x,
         \cos 2\pi c_y, \sin 2\pi c_y),

on which ``R_m x Z_n x Z_n`` (rotation of the image by ``pi / m``, cyclic shift by ``1 / n``)
acts by three 2x2 rotations — the infinite-dSprites setting of the paper, drawn in numpy.

Why point-symmetric: a translation-invariant statistic of second order (the power spectrum)
reads an outline's orientation only mod ``pi`` (a linear readout of it gave ``R^2`` 1.00 for
``cos 2 theta`` and 0.00 for ``cos theta``). With outlines that differ from their half-turn, the
full angle lay in third-order statistics only, and neither EbC nor an encoder regressed onto
the true latents found it (``R^2`` 0.00 for both).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.aux.ebc.groups import FiniteGroup, rotations_translations, signed_permutations

__all__ = ["LatentWorld", "ShapesWorld", "World", "make_world"]

LEAKY_SLOPE = 0.2


@dataclass(frozen=True)
class Sample:
    """States of ``B`` scenes: latents ``z: [B, D]`` and content ``c: [B]`` (shape index)."""

    z: np.ndarray
    c: np.ndarray


class World:
    """A group acting on latents, a latent distribution it preserves, and an observation map."""

    group: FiniteGroup
    obs_dim: int

    def sample(self, k: int, rng: np.random.Generator) -> Sample:
        """``k`` random states."""
        raise NotImplementedError

    def observe(self, s: Sample) -> np.ndarray:
        """Observations ``y: [B, F]`` (float32)."""
        raise NotImplementedError

    def act(self, g: np.ndarray, s: Sample) -> Sample:
        """``g_b . s_b``; content is left alone."""
        return Sample(self.group.act(g, s.z), s.c)


class LatentWorld(World):
    """Gaussian latents, signed permutations, a random invertible MLP mixing."""

    def __init__(self, dim: int, obs_dim: int, layers: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.group = signed_permutations(dim)
        self.obs_dim = obs_dim
        self.weights = [np.linalg.qr(rng.normal(size=(dim, dim)))[0] for _ in range(layers)]
        self.readout = rng.normal(size=(obs_dim, dim)) / np.sqrt(dim)

    def sample(self, k: int, rng: np.random.Generator) -> Sample:
        """``z ~ N(0, I)``, invariant under every signed permutation."""
        return Sample(rng.normal(size=(k, self.group.dim)), np.zeros(k, dtype=np.int64))

    def observe(self, s: Sample) -> np.ndarray:
        """``y = W_out sigma(W_L ... sigma(W_1 z))`` with leaky ReLU ``sigma`` (invertible)."""
        h = s.z
        for w in self.weights:
            h = h @ w.T
            h = np.where(h > 0, h, LEAKY_SLOPE * h)
        return (h @ self.readout.T).astype(np.float32)


class ShapesWorld(World):
    """Random elongated, point-symmetric outlines on a periodic ``size x size`` canvas.

    Poses are on a grid (``m * turns`` angles, integer pixel positions) that the group maps
    onto itself, so every image is rendered once, at the origin, and rolled into place.
    """

    def __init__(
        self,
        m: int,
        n: int,
        size: int,
        shapes: int,
        seed: int,
        turns: int = 2,
        orbit_only: bool = False,
    ) -> None:
        if size % n:
            raise ValueError(f"the canvas ({size} px) must split into {n} equal shifts")
        rng = np.random.default_rng(seed)
        self.group = rotations_translations(m, n)
        self.circle_orders = (m, n, n)
        """How many steps of the group go round each latent circle (orientation, x, y)."""
        self.size, self.angles = size, m * turns
        self.pose_steps = (turns, size // n) if orbit_only else (1, 1)
        """Angle and pixel steps of the poses drawn: ``(turns, size / n)`` keeps them on the
        group's orbit of the upright pose at the origin (so poses and group elements match)."""
        self.obs_dim = size * size
        half_turn = rng.uniform(0.3, 0.55, size=(shapes, 3)) * 0.4 * size
        half_turn[:, 0] = 0.4 * size  # one long axis: only the half-turn maps it onto itself
        radii = np.tile(half_turn, 2)
        theta = np.pi * np.arange(self.angles) / self.angles  # orientations phi in [0, pi)
        at_origin = _render(np.repeat(radii, self.angles, axis=0), np.tile(theta, shapes), size)
        self.table = at_origin.reshape(shapes, self.angles, size, size)

    def sample(self, k: int, rng: np.random.Generator) -> Sample:
        """Uniform pose on the grid (or on the orbit, see ``pose_steps``), uniform shape."""
        turn, shift = self.pose_steps
        t = turn * rng.integers(0, self.angles // turn, k) / self.angles
        x, y = (shift * rng.integers(0, self.size // shift, k) / self.size for _ in range(2))
        z = np.stack(_circle(t) + _circle(x) + _circle(y), axis=1)
        return Sample(z, rng.integers(0, len(self.table), size=k))

    def position_index(self, s: Sample) -> np.ndarray:
        """The pixel each scene's outline is centred on, ``[B]`` (row-major)."""
        return _grid(s.z[:, 4:6], self.size) * self.size + _grid(s.z[:, 2:4], self.size)

    def observe(self, s: Sample) -> np.ndarray:
        """Renders ``[B, size * size]`` in ``[0, 1]`` (float32), looked up by pose."""
        t = _grid(s.z[:, 0:2], self.angles)
        x, y = _grid(s.z[:, 2:4], self.size), _grid(s.z[:, 4:6], self.size)
        rows = (np.arange(self.size)[None, :] - y[:, None]) % self.size  # [B, H]
        cols = (np.arange(self.size)[None, :] - x[:, None]) % self.size  # [B, W]
        images = self.table[s.c, t][
            np.arange(len(t))[:, None, None], rows[:, :, None], cols[:, None]
        ]
        return images.reshape(len(t), -1)


def _circle(t: np.ndarray) -> list[np.ndarray]:
    return [np.cos(2 * np.pi * t), np.sin(2 * np.pi * t)]


def _grid(cs: np.ndarray, k: int) -> np.ndarray:
    """The grid index in ``[0, k)`` of the point on the circle ``cs: [B, 2]``."""
    return np.rint(np.arctan2(cs[:, 1], cs[:, 0]) / (2 * np.pi) * k).astype(np.int64) % k


def _render(radii: np.ndarray, theta: np.ndarray, size: int) -> np.ndarray:
    """Anti-aliased outlines ``radii: [B, K]`` turned by ``theta: [B]``, centred at pixel 0.

    Returns ``[B, size, size]`` float32 in ``[0, 1]``; displacements wrap around the torus.
    """
    d = np.mod(np.arange(size) + 0.5 + size / 2, size) - size / 2
    dx, dy = d[None, None, :], d[None, :, None]
    r = np.hypot(dx, dy)
    phi = np.arctan2(dy, dx) - theta[:, None, None]
    k = radii.shape[1]
    u = np.mod(phi, 2 * np.pi) / (2 * np.pi) * k
    lo = np.minimum(np.floor(u).astype(np.int64), k - 1)
    rows = np.arange(len(radii))[:, None, None]
    outline = radii[rows, lo] + (u - lo) * (radii[rows, (lo + 1) % k] - radii[rows, lo])
    return np.clip(0.5 + outline - r, 0.0, 1.0).astype(np.float32)


def make_world(setting: str, *, dim: int = 4, seed: int = 0) -> World:
    """The world of a fit setting: ``latent`` (``dim`` latents) or ``shapes``."""
    if setting == "latent":
        return LatentWorld(dim, obs_dim=5 * dim, layers=3, seed=seed)
    if setting == "shapes":
        return ShapesWorld(m=8, n=4, size=16, shapes=3, seed=seed)
    raise ValueError(f"unknown setting {setting!r}; expected 'latent' or 'shapes'")
