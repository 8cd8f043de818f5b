"""The pretrained models M, the λ scorer, and the three wrappers that make M invariant.

:func:`wrap` gives one method's answer (the bare model, equitune, equizero or λ-equitune) from
M's outputs on the orbit, :func:`orbit_outputs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from models.aux.equizero.groups import FiniteGroup

__all__ = [
    "METHODS",
    "PROXIES",
    "DigitCNN",
    "LambdaNet",
    "Method",
    "MoleculeMLP",
    "Proxy",
    "Wrapped",
    "orbit_outputs",
    "wrap",
]

Method = Literal["model", "equitune", "equizero", "lambda_equitune"]
Proxy = Literal["max_prob", "entropy", "lambda"]
PROXIES: tuple[Proxy, ...] = ("max_prob", "entropy", "lambda")
METHODS: tuple[Method, ...] = ("model", "equitune", "equizero", "lambda_equitune")


class DigitCNN(nn.Module):
    """M for 8x8 digits ``x: [B, 8, 8]`` (0..1): conv, conv, pool, flatten, MLP -> ``[B, 10]``.

    The flatten keeps where each feature sits, so M is deliberately not rotation-invariant.
    """

    def __init__(self, channels: int = 16, hidden: int = 64, classes: int = 10) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(channels, 2 * channels, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(2 * channels * 16, hidden), nn.ReLU(),
        )  # fmt: skip
        self.head = nn.Linear(hidden, classes)

    def features(self, x: Tensor) -> Tensor:
        """``φ(x): [B, F]``, the penultimate features that λ reads."""
        return self.body(x.unsqueeze(1))

    def forward(self, x: Tensor) -> Tensor:
        """Class logits ``[B, C]``."""
        return self.head(self.features(x))


class MoleculeMLP(nn.Module):
    """M for molecules ``x: [B, N, 3 + T]``: an MLP over the flattened padded rows -> ``[B, C]``.

    Reads raw coordinates, so it is neither rotation- nor permutation-invariant.
    """

    def __init__(self, atoms: int, row: int, hidden: int = 64, classes: int = 3) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Flatten(), nn.Linear(atoms * row, 2 * hidden), nn.ReLU(),
            nn.Linear(2 * hidden, hidden), nn.ReLU(),
        )  # fmt: skip
        self.head = nn.Linear(hidden, classes)

    def features(self, x: Tensor) -> Tensor:
        """``φ(x): [B, F]``."""
        return self.body(x)

    def forward(self, x: Tensor) -> Tensor:
        """Class logits ``[B, C]``."""
        return self.head(self.features(x))


class LambdaNet(nn.Module):
    """``s(φ): [..., F] -> [...]``, the log-importance of one transformed input (λ = exp s)."""

    def __init__(self, features: int, hidden: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, phi: Tensor) -> Tensor:
        """Scores ``[...]`` of features ``[..., F]``."""
        return self.net(phi).squeeze(-1)


@dataclass(frozen=True)
class Wrapped:
    """A wrapper's answer: ``logits: [B, C]``, group ``weights: [B, G]``, ``chosen: [B]``.

    ``weights`` shows each method as a λ-equitune: uniform (equitune), one-hot on ``g_*``
    (equizero), learnt (λ), one-hot on the identity (the bare model). ``chosen`` is ``g_*``
    for equizero and -1 otherwise.
    """

    logits: Tensor
    weights: Tensor
    chosen: Tensor


def orbit_outputs(model: nn.Module, group: FiniteGroup, x: Tensor) -> tuple[Tensor, Tensor]:
    """M on every ``g x``: features ``[G, B, F]`` and logits ``[G, B, C]`` in one batch."""
    stacked = group.orbit(x)
    phi = model.features(stacked.flatten(0, 1))
    logits = model.head(phi)
    return phi.unflatten(0, stacked.shape[:2]), logits.unflatten(0, stacked.shape[:2])


def _sorted_sum(t: Tensor) -> Tensor:
    """Sum over dim 0 in sorted order: the same bits for every order of the summands."""
    return t.sort(dim=0).values.sum(0)


def _proxy_loss(phi: Tensor, logits: Tensor, proxy: Proxy, lam: LambdaNet | None) -> Tensor:
    """``l(M(gx)): [G, B]`` from ``phi: [G, B, F]``, ``logits: [G, B, C]``; lower is better.

    ``max_prob`` and ``entropy`` are the paper's confidence losses; ``lambda`` is ``-s(φ(gx))``,
    a learnt loss (the hard limit of λ-equitune), as the paper's NLG task uses a learnt scorer.
    """
    log_p = logits.log_softmax(-1)
    if proxy == "max_prob":
        return -log_p.amax(-1)  # -log max p: same argmin as -max p, but does not round to -1
    if proxy == "entropy":
        return -(log_p.exp() * log_p).sum(-1)
    if proxy == "lambda" and lam is not None:
        return -lam(phi)
    raise ValueError(f"unknown proxy {proxy!r} (or 'lambda' without a LambdaNet)")


def _equizero_choice(loss: Tensor, logits: Tensor) -> Tensor:
    """``g_*: [B]``: argmin of ``loss: [G, B]``, ties by lexicographic logits, then by index."""
    best = loss == loss.amin(0)
    for c in range(logits.shape[-1]):
        column = torch.where(best, logits[..., c], torch.inf)
        best &= column == column.amin(0)
    return best.int().argmax(0)


def wrap(
    method: Method,
    phi: Tensor,
    logits: Tensor,
    lam: LambdaNet | None = None,
    proxy: Proxy = "max_prob",
) -> Wrapped:
    """One method's answer from M's orbit outputs ``phi: [G, B, F]``, ``logits: [G, B, C]``.

    ``lam`` is needed for ``lambda_equitune`` and the ``lambda`` proxy of ``equizero``.
    Raises ``ValueError`` for an unknown method or proxy.
    """
    G, B = logits.shape[:2]
    one_hot = lambda idx: F.one_hot(idx, G).to(logits.dtype)  # noqa: E731 (local shorthand)
    no_choice = torch.full((B,), -1, dtype=torch.long)
    if method == "model":
        return Wrapped(logits[0], one_hot(torch.zeros(B, dtype=torch.long)), no_choice)
    if method == "equitune":
        return Wrapped(_sorted_sum(logits) / G, torch.full((B, G), 1 / G), no_choice)
    if method == "equizero":
        chosen = _equizero_choice(_proxy_loss(phi, logits, proxy, lam), logits)
        return Wrapped(logits[chosen, torch.arange(B)], one_hot(chosen), chosen)
    if method == "lambda_equitune":
        if lam is None:
            raise ValueError("lambda_equitune needs a trained LambdaNet")
        scores = lam(phi)
        lam_g = (scores - scores.amax(0)).exp()
        weights = lam_g / _sorted_sum(lam_g)
        return Wrapped(_sorted_sum(weights.unsqueeze(-1) * logits), weights.T, no_choice)
    raise ValueError(f"unknown method {method!r}; choose one of {list(METHODS)}")
