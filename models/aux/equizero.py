r"""equitune, equizero and λ-equitune: exactly invariant wrappers of a pretrained classifier.

Basu et al., "Efficient Equivariant Transfer Learning from Pretrained Models", NeurIPS 2023
(arXiv:2305.09900); equizero is the canonicalisation of Kaba et al. (ICML 2023) used zero-shot.
A finite group ``G`` acts on inputs; ``M`` is a pretrained, non-invariant classifier whose
class logits ``M(x): [C]`` should be invariant (the output action is trivial, ``g^{-1} = id``):

.. math::

    M_G(x) = \frac{1}{|G|} \sum_{g \in G} M(gx)                        \quad\text{(equitune)}

    M^0_G(x) = M(g_* x), \quad g_* = \arg\min_{g \in G} \ell(M(gx))    \quad\text{(equizero)}

    M^\lambda_G(x) = \frac{\sum_g \lambda(gx)\, M(gx)}{\sum_g \lambda(gx)}  \quad\text{(λ-equitune)}

What we followed, and what we chose where the paper leaves room:

- Averages are of logits. The paper averages CLIP's features before the text head; our head
  is one linear layer and the weights sum to one, so the two are the same.
- equizero's proxy loss ``l`` is the negative max softmax probability (the most confident
  transformation, the paper's choice for classification) or the entropy.
- Ties in ``l`` are broken by the lexicographic order of the logits, then by group index. The
  first two depend only on the multiset ``{M(gx)}``, the same for every point of the orbit, so
  the output is exactly invariant even on ties; only the reported ``g_*`` uses the index.
- ``λ(gx) = exp(s(φ(gx))) > 0`` with ``s`` a small MLP on M's penultimate features ``φ``;
  dividing by the sum over ``G`` is a softmax over the group. As in the paper's zero-shot
  λ-equitune, only ``s`` is trained (on upright training data), ``M`` stays frozen.
- Sums over ``G`` are taken in sorted order, so floating-point rounding cannot depend on which
  point of the orbit came in: invariance is exact, not up to 1e-7.

Groups: C4 (rotations by 90°) and D4 (with reflections) on images ``[B, H, W]``; the 24
rotations of the cube (signed permutations, det +1) on molecules ``[B, N, 3 + T]`` (centred
coordinates in Å, then element one-hot). Orbits are stacked as ``[G, B, ...]``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "GROUPS",
    "METHODS",
    "PROXIES",
    "DigitCNN",
    "FiniteGroup",
    "LambdaNet",
    "MoleculeMLP",
    "OrbitScores",
    "TrainConfig",
    "Wrapped",
    "cube_rotations",
    "cyclic4",
    "dihedral4",
    "gyration_radius",
    "molecule_inputs",
    "orbit_outputs",
    "orbit_predictions",
    "orbit_scores",
    "train_classifier",
    "train_lambda",
    "wrap",
]

Method = Literal["model", "equitune", "equizero", "lambda_equitune"]
Proxy = Literal["max_prob", "entropy", "lambda"]
PROXIES: tuple[Proxy, ...] = ("max_prob", "entropy", "lambda")
METHODS: tuple[Method, ...] = ("model", "equitune", "equizero", "lambda_equitune")
QM9_ATOMIC_NUMBERS = (1, 6, 7, 8, 9)  # H, C, N, O, F: the element one-hot of molecule rows


@dataclass(frozen=True)
class FiniteGroup:
    """A finite group by its action: ``act(x, k)`` applies element ``k`` (0 = identity)."""

    name: str
    element_names: tuple[str, ...]
    act: Callable[[Tensor, int], Tensor]

    @property
    def order(self) -> int:
        """``|G|``."""
        return len(self.element_names)

    def orbit(self, x: Tensor) -> Tensor:
        """``[G, B, ...]``: every ``g x`` of the batch ``x: [B, ...]``."""
        return torch.stack([self.act(x, k) for k in range(self.order)])

    def table(self, probe: Tensor) -> np.ndarray:
        """``[G, G]`` Cayley table, ``table[a, b] = c`` with ``a(b(x)) = c(x)``, read off a probe.

        Raises ``ValueError`` when the action is not closed (a bug in the group's definition).
        """
        images = self.orbit(probe)
        table = np.empty((self.order, self.order), dtype=np.int64)
        for a, b in itertools.product(range(self.order), repeat=2):
            hits = (images == self.act(images[b], a)).flatten(1).all(1).nonzero()
            if len(hits) != 1:
                raise ValueError(f"{self.name}: element {a} after {b} is not one element")
            table[a, b] = int(hits[0])
        return table


def _image_act(x: Tensor, k: int) -> Tensor:
    """Element ``k = 4 f + r`` of D4 on ``x: [B, H, W]``: mirror if ``f``, then rotate ``90° r``."""
    f, r = divmod(k, 4)
    return torch.rot90(x.flip(-1) if f else x, r, dims=(-2, -1))


def cyclic4() -> FiniteGroup:
    """C4: rotations of square images by multiples of 90° (exact pixel permutations)."""
    return FiniteGroup("c4", ("e", "r90", "r180", "r270"), _image_act)


def dihedral4() -> FiniteGroup:
    """D4: C4 and the four reflections (``m`` mirrors columns first), the square's symmetries."""
    names = ("e", "r90", "r180", "r270", "m", "m r90", "m r180", "m r270")
    return FiniteGroup("d4", names, _image_act)


def _cube_matrices() -> Tensor:
    """``[24, 3, 3]`` signed permutation matrices of determinant +1, the identity first."""
    mats = []
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((1.0, -1.0), repeat=3):
            mat = torch.zeros(3, 3)
            mat[range(3), perm] = torch.tensor(signs)
            if torch.linalg.det(mat) > 0:
                mats.append(mat)
    return torch.stack(mats)


def cube_rotations() -> FiniteGroup:
    """O: the 24 rotations of the cube acting on the coordinates of rows ``[B, N, 3 + T]``.

    Each is a signed permutation of x, y, z, applied by indexing, so ``g(h x) = (gh) x``
    holds bit for bit.
    """
    mats = _cube_matrices()
    perms = mats.abs().argmax(-1)
    signs = mats.sum(-1)

    def act(x: Tensor, k: int) -> Tensor:
        pos = x[..., :3][..., perms[k]] * signs[k].to(x.dtype)
        return torch.cat([pos, x[..., 3:]], dim=-1)

    return FiniteGroup("o", tuple(_axes_name(m) for m in mats.tolist()), act)


def _axes_name(mat: list[list[float]]) -> str:
    """``"+y-x+z"``: the new x, y, z as signed old axes (``"+x+y+z"`` is the identity)."""
    return "".join(
        f"{'+' if v > 0 else '-'}{'xyz'[i]}" for row in mat for i, v in enumerate(row) if v
    )


GROUPS: dict[str, Callable[[], FiniteGroup]] = {"c4": cyclic4, "d4": dihedral4, "o": cube_rotations}


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


@dataclass(frozen=True)
class OrbitScores:
    """Accuracy on upright inputs, on every ``g x``, and the orbit-consistency (fractions).

    ``orbit_consistency`` is the fraction of inputs whose predicted class is the same for
    every point ``g x`` of their orbit.
    """

    accuracy_upright: float
    accuracy_orbit: float
    orbit_consistency: float


@torch.no_grad()
def orbit_predictions(
    model: nn.Module,
    group: FiniteGroup,
    x: Tensor,
    variants: dict[str, tuple[Method, Proxy]],
    lam: LambdaNet | None = None,
) -> dict[str, Tensor]:
    """Predicted classes ``[G, B]`` of each variant on every ``h x`` of ``x: [B, ...]``.

    Every ``h x`` is wrapped from scratch (M runs on the orbit of ``h x``), so invariance is
    measured, not assumed; the variants share M's forward passes.
    """
    preds: dict[str, list[Tensor]] = {name: [] for name in variants}
    for h in range(group.order):
        phi, logits = orbit_outputs(model, group, group.act(x, h))
        for name, (method, proxy) in variants.items():
            preds[name].append(wrap(method, phi, logits, lam, proxy).logits.argmax(-1))
    return {name: torch.stack(p) for name, p in preds.items()}


def orbit_scores(preds: Tensor, y: Tensor) -> OrbitScores:
    """Scores of predictions ``preds: [G, B]`` on the orbits (row 0: upright), labels ``y: [B]``."""
    right = preds == y
    return OrbitScores(
        accuracy_upright=right[0].float().mean().item(),
        accuracy_orbit=right.float().mean().item(),
        orbit_consistency=(preds == preds[0]).all(0).float().mean().item(),
    )


@dataclass(frozen=True)
class TrainConfig:
    """Adam with mini-batches: ``epochs`` passes over the data, seeded."""

    epochs: int = 30
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 1e-4
    seed: int = 0


def _fit(
    params: list[nn.Parameter], loss_of: Callable[[Tensor], Tensor], n: int, config: TrainConfig
) -> float:
    """Minimise ``loss_of(rows)`` over shuffled mini-batches; the last epoch's mean loss."""
    gen = torch.Generator().manual_seed(config.seed)
    opt = torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    mean = float("nan")
    for _ in range(config.epochs):
        total = 0.0
        for rows in torch.randperm(n, generator=gen).split(config.batch_size):
            loss = loss_of(rows)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(rows)
        mean = total / n
    return mean


def train_classifier(model: nn.Module, x: Tensor, y: Tensor, config: TrainConfig) -> float:
    """Train M by cross-entropy on upright data ``x: [B, ...]``, ``y: [B]``; final loss."""
    torch.manual_seed(config.seed)
    model.train()
    loss = _fit(
        list(model.parameters()),
        lambda rows: F.cross_entropy(model(x[rows]), y[rows]),
        len(y),
        config,
    )
    model.eval()
    return loss


def train_lambda(
    model: nn.Module,
    lam: LambdaNet,
    group: FiniteGroup,
    x: Tensor,
    y: Tensor,
    config: TrainConfig,
) -> float:
    """Train λ on upright ``x: [B, ...]``, ``y: [B]`` with M frozen; final loss.

    M's orbit outputs are computed once (M does not change), so an epoch costs only λ.
    """
    with torch.no_grad():
        phi, logits = orbit_outputs(model.eval(), group, x)
    torch.manual_seed(config.seed)

    def loss_of(rows: Tensor) -> Tensor:
        out = wrap("lambda_equitune", phi[:, rows], logits[:, rows], lam)
        return F.cross_entropy(out.logits, y[rows])

    lam.train()
    loss = _fit(list(lam.parameters()), loss_of, len(y), config)
    lam.eval()
    return loss


def molecule_inputs(charges: np.ndarray, positions: np.ndarray) -> Tensor:
    """Rows ``[B, N, 3 + 5]``: centred coordinates (Å) and H/C/N/O/F one-hot; padding is 0.

    ``charges: [B, N]`` atomic numbers (0 = padding), ``positions: [B, N, 3]`` in Å.
    Raises ``ValueError`` for an element outside QM9's five.
    """
    real = charges > 0
    if not np.isin(charges[real], QM9_ATOMIC_NUMBERS).all():
        raise ValueError(f"atomic numbers must be in {QM9_ATOMIC_NUMBERS} (0 = padding)")
    centre = (positions * real[..., None]).sum(1) / real.sum(1, keepdims=True)
    pos = (positions - centre[:, None]) * real[..., None]
    one_hot = (charges[..., None] == np.array(QM9_ATOMIC_NUMBERS)).astype(np.float32)
    return torch.from_numpy(np.concatenate([pos, one_hot], -1).astype(np.float32))


def gyration_radius(rows: Tensor) -> Tensor:
    """``R_g: [B]`` in Å of molecule rows ``[B, N, 3 + T]``: RMS distance of atoms to centre."""
    real = rows[..., 3:].sum(-1) > 0
    return ((rows[..., :3] ** 2).sum(-1) * real).sum(-1).div(real.sum(-1)).sqrt()
