"""The 2-layer quadratic network: real weights, outputs and loss, Fourier weights, sum potentials.

See :mod:`models.aux.cogs` for the formulas; ``z = (a, b, c): [3, d, q]`` are the Fourier
weights and the semi-ring ``+``, ``*`` act on them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.aux.cogs.groups import AbelianGroup

__all__ = [
    "Weights",
    "accuracy",
    "forward",
    "fourier_loss_terms",
    "from_fourier",
    "hidden",
    "projected_loss",
    "ring_add",
    "ring_mul",
    "sum_potentials",
    "to_fourier",
]


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
