"""The measurements: the sum potentials' ring homomorphism, and the structure of a network.

:func:`analyse` groups a network's live nodes by frequency pair and matches each group to the
constructed ``z_F4``/``z_F6`` types (:mod:`models.aux.cogs.constructions`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from models.aux.cogs.constructions import MONOMIALS, Partial
from models.aux.cogs.groups import AbelianGroup
from models.aux.cogs.model import (
    Weights,
    accuracy,
    projected_loss,
    ring_add,
    ring_mul,
    sum_potentials,
    to_fourier,
)

__all__ = ["Analysis", "FrequencyStructure", "analyse", "homomorphism_errors"]


def homomorphism_errors(group: AbelianGroup, num_nodes: int = 3, seed: int = 0) -> dict:
    """Largest relative error of ``r(z1 + z2) = r1 + r2`` and ``r(z1 * z2) = r1 r2``.

    Over the network SPs ``r, r_a, r_b`` of random real networks and the per-frequency SPs
    ``MONOMIALS`` of random partial solutions.
    """
    rng = np.random.default_rng(seed)
    d = group.order

    def network() -> np.ndarray:
        w = Weights(*(rng.normal(size=s) for s in ((num_nodes, d), (num_nodes, d), (d, num_nodes))))
        return to_fourier(w, group)

    z1, z2 = network(), network()
    p1, p2 = sum_potentials(z1), sum_potentials(z2)
    add = sum_potentials(ring_add(z1, z2))
    mul = sum_potentials(ring_mul(z1, z2))
    scale = max(np.abs(p1[key] * p2[key]).max() + np.abs(p1[key]).max() for key in p1)
    errors = {
        "network_add": max(np.abs(add[key] - p1[key] - p2[key]).max() for key in p1) / scale,
        "network_mul": max(np.abs(mul[key] - p1[key] * p2[key]).max() for key in p1) / scale,
    }
    x = Partial(rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3)))
    y = Partial(rng.normal(size=(3, 2)) + 1j * rng.normal(size=(3, 2)))
    pot = {name: (x.potential(name), y.potential(name)) for name in MONOMIALS}
    big = max(abs(u * v) + abs(u) + abs(v) for u, v in pot.values())
    add_err = max(abs((x + y).potential(n) - u - v) for n, (u, v) in pot.items())
    mul_err = max(abs((x * y).potential(n) - u * v) for n, (u, v) in pot.items())
    errors |= {"partial_add": add_err / big, "partial_mul": mul_err / big}
    return {key: float(value) for key, value in errors.items()}


@dataclass(frozen=True)
class FrequencyStructure:
    """The nodes of one frequency pair and what their factorisation matches."""

    frequency: tuple[int, ...]
    num_nodes: int
    kind: str
    factor_error: float | None


@dataclass(frozen=True)
class Analysis:
    """Per-frequency structure of a network (``frequencies`` over the pairs ``{k, -k}``)."""

    frequencies: list[FrequencyStructure]
    num_alive: int
    purity: float
    loss: float
    accuracy: float

    def match_fraction(self) -> float:
        """Share of frequency pairs whose nodes factor as a constructed order-4/6 type."""
        hits = [f.kind.startswith(("order-4", "order-6")) for f in self.frequencies]
        return float(np.mean(hits)) if hits else 0.0


KILLS = {
    "nu=i": {"conj(a)bc", "a conj(b)c", "aac", "conj(a)^2 c", "bbc", "conj(b)^2 c"},
    "xi": {"ab conj(c)"},
    "nu": {"aac", "bbc"},
    "syn": set(MONOMIALS) - {"abc", "aac", "bbc"},
}


def _kills(partial: Partial, tol: float) -> set[str]:
    """SPs that vanish relative to the sum of their terms' sizes (scale invariant)."""
    size = {name: Partial(np.abs(partial.abc)).potential(name).real for name in MONOMIALS}
    return {n for n in MONOMIALS if abs(partial.potential(n)) <= tol * max(size[n], 1e-300)}


def _factorise(block: np.ndarray) -> tuple[float, Partial, Partial]:
    """Best Khatri-Rao split of ``block: [3, q]`` into ``2 x q/2`` nodes over node orders."""
    perms = np.array(list(itertools.permutations(range(block.shape[1]))))
    mats = block[:, perms].transpose(1, 0, 2).reshape(len(perms), 3, 2, -1)
    u, s, vh = np.linalg.svd(mats)
    errors = np.sqrt((s[..., 1:] ** 2).sum(axis=(1, 2)) / (s**2).sum(axis=(1, 2)))
    i = int(errors.argmin())
    return float(errors[i]), Partial(u[i, :, :, 0] * s[i, :, :1]), Partial(vh[i, :, 0, :])


def _classify(block: np.ndarray, tol: float) -> tuple[str, float | None]:
    """``order-4``/``order-6`` kinds when the factors' vanishing SPs cover the constraints."""
    q = block.shape[1]
    if q not in (4, 6):
        return (f"{q} nodes", None)
    error, first, second = _factorise(block)
    if error > tol:
        return ("not factorisable", error)
    k1, k2 = _kills(first, tol), _kills(second, tol)
    if "abc" in k1 | k2:
        return ("degenerate", error)
    if q == 4 and any(x >= KILLS["nu=i"] and y >= KILLS["xi"] for x, y in ((k1, k2), (k2, k1))):
        return ("order-4 z_{nu=i}*z_xi", error)
    if q == 6 and k1 | k2 >= set(MONOMIALS) - {"abc"}:
        if k1 >= KILLS["nu"] and k2 >= KILLS["syn"]:
            return ("order-6 z_nu*z_syn", error)
        if k1 >= KILLS["nu=i"]:
            return ("order-6 z_{nu=i}*z_syn,ab", error)
    return (f"other {q}-node", error)


def analyse(
    weights: Weights, group: AbelianGroup, alive: float = 0.05, tol: float = 0.1
) -> Analysis:
    """Group live nodes by their dominant frequency pair and match each group to ``z_F4/z_F6``.

    A node is live when its Fourier norm is at least ``alive`` times the largest; ``tol`` is the
    relative tolerance of the Khatri-Rao factorisation and of each vanishing SP.
    """
    z = to_fourier(weights, group)
    pairs, neg = group.frequency_pairs(), group.neg()
    power = np.stack([(np.abs(z[:, k]) ** 2 + np.abs(z[:, neg[k]]) ** 2).sum(0) for k in pairs])
    total = (np.abs(z) ** 2).sum(axis=(0, 1))
    live = np.sqrt(total) >= alive * np.sqrt(total.max())
    dominant = np.array(pairs)[power.argmax(axis=0)]
    purity = float((power.max(axis=0)[live] / total[live]).mean()) if live.any() else 0.0
    elements = group.elements()
    frequencies = []
    for k in pairs:
        nodes = np.flatnonzero(live & (dominant == k))
        kind, error = _classify(z[:, k, nodes], tol) if nodes.size else ("no nodes", None)
        frequencies.append(FrequencyStructure(tuple(elements[k].tolist()), nodes.size, kind, error))
    return Analysis(
        frequencies,
        int(live.sum()),
        purity,
        projected_loss(weights, group),
        accuracy(weights, group),
    )
