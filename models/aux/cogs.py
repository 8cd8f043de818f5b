r"""CoGS: composed global solutions of group addition (Tian, NeurIPS 2025, arXiv 2410.01779).

A 2-layer network with quadratic activation predicts ``x + y`` in an Abelian group
``G = Z_{n_1} x ... x Z_{n_r}`` of order ``d`` (elements flattened row-major, ``[d]``):

.. math::

    f_t(x, y) = \frac{1}{2d} \sum_j w^c_{tj} (w^a_{jx} + w^b_{jy})^2, \qquad
    \ell = \mathbb{E}_{x,y} \| P^\perp_1 (f(x, y) - e_{x+y}) \|^2,

with ``w_a, w_b: [q, d]``, ``w_c: [d, q]`` (``q`` hidden nodes) and ``P^\perp_1`` removing the
mean over classes (the luckmatters ``mse`` loss). Characters ``chi_k(x) = exp(2 pi i k.x / n)``
give the Fourier weights ``z = (a, b, c): [3, d, q]`` with ``w^a_{jx} = sum_k a_{kj} chi_k(x)``,
``w^c_{tj} = sum_k c_{kj} conj(chi_k(t))``. Parseval over ``t`` and then over ``(x, y)`` gives
(derived here; the paper writes ``l = d^-1 sum_k l_k``; checked against ``projected_loss``)

.. math::

    \ell = \frac{1}{d} \sum_{k \ne 0} \sum_{m, n} \big| r_{mnk}
        + \tfrac12 \delta_{n0} R^a_{mk} + \tfrac12 \delta_{m0} R^b_{nk}
        - \delta_{mk}\delta_{nk} \big|^2, \quad
    r_{k_1 k_2 k} = \sum_j a_{k_1 j} b_{k_2 j} c_{kj}, \quad
    R^p_{mk} = \sum_{k'} \sum_j z_{p k' j} z_{p, m-k', j} c_{kj}.

Every sum potential (SP) ``sum_j prod z_{pkj}`` is a ring homomorphism of the semi-ring of
weights: ``+`` concatenates hidden nodes, ``*`` multiplies per frequency over all node pairs
(Khatri-Rao). For one frequency ``k`` (a node set ``(a_j, b_j, c_j)`` at ``k``, conjugates at
``-k``) zero loss needs (group order odd, so ``k != -k``): ``R_c``: ``sum abc = 1``,
``sum conj(a)bc = sum a conj(b)c = sum ab conj(c) = 0``; ``R_*``: ``sum aac = sum conj(a)^2 c =
sum bbc = sum conj(b)^2 c = 0``; ``R_n``: ``sum (|a|^2 + |b|^2) c = 0`` (the paper asks the
homomorphic parts ``sum |a|^2 c`` and ``sum |b|^2 c`` to vanish on their own).

Constructions (per frequency, each node scaled so ``abc = 1``; ``omega = e^{2 pi i / 3}``):
``z_syn = {(1,1,1), (omega,omega,omega), (omega^2,omega^2,omega^2)}`` kills all but ``aac,
bbc``; ``z_nu = {(1,1,1), (nu, -nu, -1/nu^2)}`` kills ``aac, bbc``; so ``z_F6 = z_nu * z_syn``
(6 nodes) is a global solution per frequency. ``z_{nu=i}`` also kills ``conj(a)bc, a conj(b)c,
R_*``; ``z_xi = {(1,1,1), (xi, i conj(xi), -i)}`` with ``|xi| = 1`` kills ``ab conj(c)``, so
``z_F4 = z_{nu=i} * z_xi`` (4 nodes) meets ``R_c, R_*`` but leaves ``R_n`` (a constant class
bias ``sum (|a|^2+|b|^2) c``). The paper's ``z_F4/6`` (total order ``2d``) cancels it across
frequencies: one frequency carries ``z_F6`` with ``|nu| = 1``, whose hidden sum
``sum_j (w^a_{jx} + w^b_{jy})^2`` is then constant in ``(x, y)`` (only its ``|a|^2, |b|^2`` SPs
survive with ``c = 1``), and its output weights get the shared vector that cancels the biases
of all order-4 frequencies (``c_{kj} += gamma_k`` for every ``k``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

__all__ = [
    "MAX_GROUP_ORDER",
    "MONOMIALS",
    "AbelianGroup",
    "Analysis",
    "Construction",
    "FrequencyStructure",
    "Partial",
    "TrainConfig",
    "Weights",
    "accuracy",
    "analyse",
    "construct",
    "fourier_loss_terms",
    "from_fourier",
    "homomorphism_errors",
    "projected_loss",
    "remove_frequency",
    "ring_add",
    "ring_mul",
    "sum_potentials",
    "to_fourier",
    "train",
    "z_nu",
    "z_syn",
    "z_xi",
]

MAX_GROUP_ORDER = 127
"""Largest group order handled (the paper's largest ``d``)."""

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
class AbelianGroup:
    """``Z_{n_1} x ... x Z_{n_r}``; elements and frequencies share one flat index ``[d]``."""

    moduli: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.moduli or any(int(n) < 2 for n in self.moduli):
            raise ValueError(f"moduli must be integers >= 2, got {self.moduli}")
        if self.order > MAX_GROUP_ORDER:
            raise ValueError(
                f"group order {self.order} exceeds {MAX_GROUP_ORDER}; use smaller moduli"
            )

    @property
    def order(self) -> int:
        """``d = prod n_i``."""
        return int(np.prod(self.moduli))

    def elements(self) -> np.ndarray:
        """Coordinates of each element, ``[d, r]``."""
        return np.array(list(np.ndindex(*self.moduli)), dtype=np.int64).reshape(self.order, -1)

    def _flat(self, coords: np.ndarray) -> np.ndarray:
        return np.ravel_multi_index(tuple(np.moveaxis(coords, -1, 0)), self.moduli)

    def add_table(self) -> np.ndarray:
        """``x + y`` as flat indices, ``[d, d]``."""
        e = self.elements()
        return self._flat((e[:, None, :] + e[None, :, :]) % np.array(self.moduli))

    def neg(self) -> np.ndarray:
        """``-k`` as flat indices, ``[d]``."""
        return self._flat((-self.elements()) % np.array(self.moduli))

    def characters(self) -> np.ndarray:
        """``chi[k, x] = exp(2 pi i sum_i k_i x_i / n_i)``, ``[d, d]``."""
        e = self.elements() / np.array(self.moduli, dtype=float)
        return np.exp(2j * np.pi * (self.elements() @ e.T))

    def frequency_pairs(self) -> list[int]:
        """One representative ``k`` of each pair ``{k, -k}``, ``k != 0`` (``k < -k``)."""
        neg = self.neg()
        return [k for k in range(1, self.order) if k < neg[k]]


@dataclass(frozen=True)
class Weights:
    """Real weights: ``w_a: [q, d]``, ``w_b: [q, d]``, ``w_c: [d, q]``."""

    w_a: np.ndarray
    w_b: np.ndarray
    w_c: np.ndarray

    def __post_init__(self) -> None:
        q, d = self.w_a.shape
        for name, shape in (("w_a", (q, d)), ("w_b", (q, d)), ("w_c", (d, q))):
            got = getattr(self, name)
            if got.shape != shape:
                raise ValueError(f"expected {name} of shape {list(shape)}, got {list(got.shape)}")
            if not np.all(np.isfinite(got)):
                raise ValueError(f"{name} has non-finite entries")

    @property
    def num_nodes(self) -> int:
        """Hidden width ``q``."""
        return self.w_a.shape[0]

    def select(self, nodes: np.ndarray) -> Weights:
        """The network restricted to ``nodes`` (indices or a boolean mask over ``[q]``)."""
        return Weights(self.w_a[nodes], self.w_b[nodes], self.w_c[:, nodes])


def hidden(weights: Weights) -> np.ndarray:
    """Activations ``(w_a[j, x] + w_b[j, y])^2``, ``[d, d, q]``."""
    return (weights.w_a.T[:, None, :] + weights.w_b.T[None, :, :]) ** 2


def forward(weights: Weights) -> np.ndarray:
    """Outputs ``f_t(x, y)``, ``[d, d, d]`` (``x, y, t``)."""
    d = weights.w_c.shape[0]
    return hidden(weights) @ weights.w_c.T / (2 * d)


def projected_loss(weights: Weights, group: AbelianGroup) -> float:
    """``E_{x,y} |P(f(x, y) - e_{x+y})|^2`` over all ``d^2`` pairs."""
    d = group.order
    residual = forward(weights) - np.eye(d)[group.add_table()]
    residual -= residual.mean(axis=-1, keepdims=True)
    return float((residual**2).sum(axis=-1).mean())


def accuracy(weights: Weights, group: AbelianGroup) -> float:
    """Fraction of pairs whose arg-max class is ``x + y``."""
    return float((forward(weights).argmax(axis=-1) == group.add_table()).mean())


def to_fourier(weights: Weights, group: AbelianGroup) -> np.ndarray:
    """``z = (a, b, c)``, ``[3, d, q]`` complex."""
    chi, d = group.characters(), group.order
    return np.stack([
        chi.conj() @ weights.w_a.T / d, chi.conj() @ weights.w_b.T / d, chi @ weights.w_c / d
    ])  # fmt: skip


def from_fourier(z: np.ndarray, group: AbelianGroup) -> Weights:
    """Real weights of ``z: [3, d, q]`` (conjugate-symmetric in ``k``)."""
    chi = group.characters()
    return Weights(np.real(chi.T @ z[0]).T, np.real(chi.T @ z[1]).T, np.real(chi.conj().T @ z[2]))


def ring_add(z1: np.ndarray, z2: np.ndarray) -> np.ndarray:
    """Semi-ring ``+``: concatenate hidden nodes, ``[3, d, q1 + q2]``."""
    return np.concatenate([z1, z2], axis=-1)


def ring_mul(z1: np.ndarray, z2: np.ndarray) -> np.ndarray:
    """Semi-ring ``*``: ``z[p, k, (j, l)] = z1[p, k, j] z2[p, k, l]``, ``[..., q1 q2]``."""
    return (z1[..., :, None] * z2[..., None, :]).reshape(*z1.shape[:-1], -1)


def sum_potentials(z: np.ndarray) -> dict[str, np.ndarray]:
    """``r[k1, k2, k]`` and ``r_a, r_b[k1, k2, k] = sum_j z_p z_p c``, each ``[d, d, d]``."""
    a, b, c = z
    return {
        "r": np.einsum("mj,nj,kj->mnk", a, b, c),
        "r_a": np.einsum("mj,nj,kj->mnk", a, a, c),
        "r_b": np.einsum("mj,nj,kj->mnk", b, b, c),
    }


def fourier_loss_terms(z: np.ndarray, group: AbelianGroup) -> np.ndarray:
    """Per output frequency term of ``l`` from the SPs, ``[d]`` (sums to the loss)."""
    d, sub = group.order, group.add_table()[:, group.neg()]  # sub[m, k'] = m - k'
    pots = sum_potentials(z)
    squares = [pots[key][np.arange(d)[None, :], sub].sum(axis=1) for key in ("r_a", "r_b")]
    err = pots["r"].copy()
    err[:, 0, :] += squares[0] / 2
    err[0, :, :] += squares[1] / 2
    err[np.arange(d), np.arange(d), np.arange(d)] -= 1
    terms = (np.abs(err) ** 2).sum(axis=(0, 1)) / d
    terms[0] = 0.0
    return terms


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
class TrainConfig:
    """Full-batch Adam on all ``d^2`` pairs with coupled L2 weight decay (the paper's recipe)."""

    num_nodes: int = 512
    epochs: int = 10_000
    learning_rate: float = 0.01
    weight_decay: float = 5e-5
    init_scale: float = 0.1
    seed: int = 0


def train(group: AbelianGroup, config: TrainConfig) -> Weights:
    """Gradient descent from a random init; trains ``v_c = w_c / 2d`` (the luckmatters scale)."""
    gen = torch.Generator().manual_seed(config.seed)
    d, q = group.order, config.num_nodes
    params = [
        (config.init_scale * torch.randn(*shape, generator=gen, dtype=torch.float32))
        .requires_grad_()
        for shape in ((q, d), (q, d), (d, q))
    ]  # fmt: skip
    table = torch.as_tensor(group.add_table())
    target = torch.eye(d)[table] - 1 / d
    optim = torch.optim.Adam(params, lr=config.learning_rate, weight_decay=config.weight_decay)
    for _ in range(config.epochs):
        w_a, w_b, v_c = params
        out = ((w_a.T[:, None, :] + w_b.T[None, :, :]) ** 2) @ v_c.T
        out = out - out.mean(dim=-1, keepdim=True)
        loss = ((out - target) ** 2).sum(dim=-1).mean()
        optim.zero_grad()
        loss.backward()
        optim.step()
    w_a, w_b, v_c = (p.detach().double().numpy() for p in params)
    return Weights(w_a, w_b, 2 * d * v_c)


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
