"""The constructed global solutions: per-frequency partial solutions and their products.

``z_syn``, ``z_nu`` and ``z_xi`` are the paper's order-3 and order-2 partial solutions;
:func:`construct` composes them into ``z_F6`` or ``z_F4/6`` over every frequency pair (see
:mod:`models.aux.cogs` for which sum potentials each one kills).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from models.aux.cogs.groups import AbelianGroup
from models.aux.cogs.model import Weights, forward, from_fourier, hidden, ring_mul

__all__ = [
    "MONOMIALS",
    "Construction",
    "Partial",
    "cancel_class_bias",
    "construct",
    "remove_frequency",
    "z_nu",
    "z_syn",
    "z_xi",
]

OMEGA = np.exp(2j * np.pi / 3)

MONOMIALS: dict[str, tuple[int, int, int, int, int, int]] = {
    "abc": (1, 0, 1, 0, 1, 0),
    "conj(a)bc": (0, 1, 1, 0, 1, 0),
    "a conj(b)c": (1, 0, 0, 1, 1, 0),
    "ab conj(c)": (1, 0, 1, 0, 0, 1),
    "|a|^2 c": (1, 1, 0, 0, 1, 0),
    "|b|^2 c": (0, 0, 1, 1, 1, 0),
    "aac": (2, 0, 0, 0, 1, 0),
    "conj(a)^2 c": (0, 2, 0, 0, 1, 0),
    "bbc": (0, 0, 2, 0, 1, 0),
    "conj(b)^2 c": (0, 0, 0, 2, 1, 0),
}
"""Per-frequency SPs as exponents of ``(a, conj(a), b, conj(b), c, conj(c))``."""


@dataclass(frozen=True)
class Partial:
    """A per-frequency partial solution: rows ``(a, b, c)`` over its nodes, ``[3, q]``."""

    abc: np.ndarray

    def __add__(self, other: Partial) -> Partial:
        return Partial(np.concatenate([self.abc, other.abc], axis=1))

    def __mul__(self, other: Partial) -> Partial:
        return Partial(ring_mul(self.abc, other.abc))

    def potential(self, name: str) -> complex:
        """The SP ``MONOMIALS[name]`` summed over nodes."""
        a, b, c = self.abc
        e = MONOMIALS[name]
        factors = (a, a.conj(), b, b.conj(), c, c.conj())
        return complex(np.sum(np.prod([f**k for f, k in zip(factors, e, strict=True)], axis=0)))

    def normalised(self) -> Partial:
        """Scaled by ``r^{-1/3}`` on every row so that ``sum abc = 1`` (``r`` real > 0)."""
        r = self.potential("abc")
        if abs(r.imag) > 1e-9 * abs(r) or r.real <= 0:
            raise ValueError(f"sum abc must be real and positive to normalise, got {r}")
        return Partial(self.abc * r.real ** (-1 / 3))


def z_syn() -> Partial:
    """Order 3: ``(1, omega, omega^2)`` on each of ``a, b, c``."""
    return Partial(np.tile(OMEGA ** np.arange(3), (3, 1)))


def z_nu(nu: complex) -> Partial:
    """Order 2: ``{(1, 1, 1), (nu, -nu, -1/nu^2)}``; kills ``aac`` and ``bbc``."""
    return Partial(np.array([[1, nu], [1, -nu], [1, -1 / nu**2]], dtype=complex))


def z_xi(xi: complex) -> Partial:
    """Order 2: ``{(1, 1, 1), (xi, i conj(xi), -i)}``, ``|xi| = 1``; kills ``ab conj(c)``."""
    return Partial(np.array([[1, xi], [1, 1j * np.conj(xi)], [1, -1j]], dtype=complex))


def embed(partial: Partial, k: int, group: AbelianGroup) -> np.ndarray:
    """``partial`` at frequency ``k`` (conjugates at ``-k``) as Fourier weights ``[3, d, q]``."""
    z = np.zeros((3, group.order, partial.abc.shape[1]), dtype=complex)
    z[:, k] = partial.abc
    z[:, group.neg()[k]] = partial.abc.conj()
    return z


@dataclass(frozen=True)
class Construction:
    """A constructed global solution and the frequency of each node (``node_frequency: [q]``)."""

    weights: Weights
    node_frequency: np.ndarray
    order: int


def construct(
    group: AbelianGroup, order: Literal[4, 6], seed: int = 0, buffer_nu: complex = 1j
) -> Construction:
    """``z_F6`` (``order=6``) or ``z_F4/6`` (``order=4``), random ``nu``/``xi`` per frequency.

    Raises ``ValueError`` for an even group order (self-conjugate frequencies).
    """
    if group.order % 2 == 0:
        raise ValueError(
            f"construction needs an odd group order (no frequency with k = -k), got {group.order}"
        )
    if order not in (4, 6):
        raise ValueError(f"order must be 4 or 6, got {order}")
    rng = np.random.default_rng(seed)
    pairs = group.frequency_pairs()
    blocks, freqs = [], []
    for i, k in enumerate(pairs):
        phase = np.exp(2j * np.pi * rng.uniform())
        if order == 6:
            partial = z_nu(phase * rng.uniform(0.5, 2.0)) * z_syn()
        elif i == 0:
            partial = z_nu(buffer_nu) * z_syn()
        else:
            partial = z_nu(1j) * z_xi(phase)
        blocks.append(embed(partial.normalised(), k, group))
        freqs += [k] * partial.abc.shape[1]
    weights = from_fourier(np.concatenate(blocks, axis=-1), group)
    if order == 4:
        weights = cancel_class_bias(weights, np.arange(6), group)
    return Construction(weights, np.array(freqs), order)


def cancel_class_bias(weights: Weights, buffer: np.ndarray, group: AbelianGroup) -> Weights:
    """Add to the ``buffer`` nodes' output weights the vector that zeroes the mean class output.

    Needs the buffer's hidden sum to be constant in ``(x, y)`` (``z_F6`` with ``|nu| = 1``).
    """
    d = group.order
    total = hidden(weights.select(buffer)).sum(axis=-1)
    if np.ptp(total) > 1e-9 * np.abs(total).mean():
        raise ValueError("the buffer nodes' hidden sum is not constant: use |nu| = 1")
    bias = forward(weights).mean(axis=(0, 1))
    w_c = weights.w_c.copy()
    w_c[:, buffer] -= (2 * d * (bias - bias.mean()) / total.mean())[:, None]
    return Weights(weights.w_a, weights.w_b, w_c)


def remove_frequency(construction: Construction, k: int) -> Weights:
    """The constructed network without the nodes of frequency pair ``k``."""
    return construction.weights.select(construction.node_frequency != k)
