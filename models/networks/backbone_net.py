"""The backbone denoiser: a pair-biased transformer over residues that reads local frames.

Each residue gets a local frame from its noisy chain neighbours (``e1`` along ``x[i+1] - x[i-1]``,
``e2`` towards the bend, ``e3 = e1 x e2``). Everything the network reads is expressed in these
frames or is a distance: the offsets to the residues up to :data:`NEIGHBOURS` away along the
chain, where each attention head looked (the attention-weighted mean of the C-alphas, minus the
residue's own), and, with self-conditioning, the previous prediction's own local geometry and
where it moved the residue. Its output is a displacement in the residue's frame. So the network
is equivariant under rotations and translations by construction, and it tells a right-handed
helix from a left-handed one (a frame built with a cross product is a proper rotation); it need
not learn either from rotated copies of the data, which a network of a few hundred thousand
parameters trained on a CPU does not manage (the Proteina-style network this replaces, which
read raw coordinates, generated backbones with 3 % helix after 40,000 steps).

Attention between residues gets a per-head bias from radial basis functions of their C-alpha
distance and a learnt bias per sequence offset (clipped at ``max_offset``), as in Proteina and
Genie. There is no absolute position: a chain's ends show as missing neighbours, so chains
longer than the training crops see nothing new. Output: ``c_skip(t) x_t + R d``, the clean
C-alpha coordinates, centred per chain (``c_skip`` is the optimal skip weight for unit-variance
data under the linear interpolant).

Self-conditioning (``self_conditioning=True``, as in Proteina and Genie2): the network may also
take its own previous prediction ``x_sc``. In training mode half the batches first predict
without it (no gradient) and then condition on that prediction; a sampler hands each step the
last step's prediction.

Secondary-structure conditioning (``ss_conditioning=True``): every residue's token adds an
embedding of its P-SEA letter (helix, strand, loop) or of "not given". In training mode a chain's
letters are hidden with probability ``ss_dropout``, so that one network is both the conditional
and the unconditional model of classifier-free guidance.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn
from torch_geometric.utils import to_dense_batch

from models import geometry

__all__ = [
    "CA_SPACING_NM",
    "NEIGHBOURS",
    "SS_UNKNOWN",
    "BackboneNet",
    "BackboneNetConfig",
    "Chains",
    "local_frames",
    "sequence_offsets",
]

CA_SPACING_NM = 0.38
"""Consecutive C-alphas are this far apart: local offsets are given in this unit."""

NEIGHBOURS = 4
"""Residues up to this far along the chain are read in each residue's frame: they fix the
virtual bond angles and pseudo-torsions that make helices and strands (P-SEA reads the same)."""

SS_UNKNOWN = 3
"""The secondary-structure class of a residue whose letter is not given (0 H, 1 E, 2 L)."""

_LOCAL_FEATURES = 2 * NEIGHBOURS * 4  # an offset (3) and a present flag per neighbour
_SELF_CONDITION_FEATURES = _LOCAL_FEATURES + 3  # its local geometry, and where it moved x


@dataclass(frozen=True)
class Chains:
    """What the network takes besides coordinates and times.

    ``batch: [N]`` maps residues (in chain order) to chains; ``ss: [N]`` holds each residue's
    secondary-structure class (0 helix, 1 strand, 2 loop, :data:`SS_UNKNOWN`), None for none given.
    """

    batch: Tensor
    ss: Tensor | None = None


@dataclass(frozen=True)
class BackboneNetConfig:
    """Hyper-parameters of :class:`BackboneNet`."""

    hidden: int = 128
    layers: int = 4
    heads: int = 4
    distance_bins: int = 16
    max_distance_nm: float = 2.0
    max_offset: int = 32
    self_conditioning: bool = False
    ss_conditioning: bool = False
    ss_dropout: float = 0.2

    def to_dict(self) -> dict:
        """Plain dict for checkpoints."""
        return asdict(self)


def sinusoidal(values: Tensor, dim: int, scale: float) -> Tensor:
    """``[...] -> [..., dim]`` sine/cosine features of ``values / scale`` at geometric rates."""
    half = dim // 2
    rates = torch.exp(-math.log(10_000.0) * torch.arange(half, device=values.device) / half)
    angles = values.unsqueeze(-1).float() / scale * rates
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


def sequence_offsets(length: int, max_offset: int, device: torch.device | None = None) -> Tensor:
    """``[length, length]`` indices of ``j - i`` clipped to ``±max_offset``, counted from 0."""
    steps = torch.arange(length, device=device)
    return (steps[None, :] - steps[:, None]).clamp(-max_offset, max_offset) + max_offset


def _unit(v: Tensor) -> Tensor:
    return v / v.norm(dim=-1, keepdim=True).clamp_min(1e-6)


def local_frames(x: Tensor, lengths: Tensor) -> Tensor:
    """``[B, n, 3, 3]`` frames (columns ``e1, e2, e3``) of padded chains ``x: [B, n, 3]``.

    Residue ``i``'s frame comes from ``x[i-1], x[i], x[i+1]``; a chain's end residues take the
    frame of their inner neighbour. Rotating ``x`` rotates every frame with it; reflecting it
    does not reflect them (``e3 = e1 x e2``).
    """
    n = x.shape[1]
    steps = torch.arange(n, device=x.device)
    centre = torch.minimum(steps[None, :].clamp_min(1), (lengths[:, None] - 2).clamp_min(1))
    centre = centre.clamp_max(n - 2)

    def at(index: Tensor) -> Tensor:
        return torch.gather(x, 1, index.unsqueeze(-1).expand(-1, -1, 3))

    before, middle, after = at(centre - 1), at(centre), at(centre + 1)
    e1 = _unit(after - before)
    bend = after + before - 2 * middle
    e2 = _unit(bend - (bend * e1).sum(-1, keepdim=True) * e1)
    return torch.stack([e1, e2, torch.linalg.cross(e1, e2)], dim=-1)


def _in_frames(frames: Tensor, v: Tensor) -> Tensor:
    """Vectors ``v: [B, n, ..., 3]`` in each residue's frame ``[B, n, 3, 3]``: ``R^T v``."""
    extra = v.dim() - 3
    r = frames.view(*frames.shape[:2], *([1] * extra), 3, 3)
    return (r.transpose(-1, -2) @ v.unsqueeze(-1)).squeeze(-1)


def local_geometry(x: Tensor, frames: Tensor, mask: Tensor) -> Tensor:
    """``[B, n, 32]``: each residue's offsets to its chain neighbours in its frame, and flags.

    Offsets are in units of the C-alpha spacing; a neighbour beyond the chain's end is zeros
    with its flag off.
    """
    n = x.shape[1]
    features = []
    for k in [*range(-NEIGHBOURS, 0), *range(1, NEIGHBOURS + 1)]:
        index = (torch.arange(n, device=x.device) + k).clamp(0, n - 1)
        present = mask & mask[:, index]
        if k > 0:
            present[:, n - k :] = False
        else:
            present[:, :-k] = False
        offset = _in_frames(frames, x[:, index] - x) / CA_SPACING_NM
        features += [offset * present.unsqueeze(-1), present.unsqueeze(-1).to(x.dtype)]
    return torch.cat(features, dim=-1)


class _Block(nn.Module):
    """Pre-norm self-attention with distance and offset biases, then a feed-forward layer.

    Each head also hands back where it looked, in the residue's own frame.
    """

    def __init__(
        self, hidden: int, heads: int, bins: int, offsets: int, self_conditioning: bool
    ) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(hidden)
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.bias = nn.Linear(bins, heads)
        self.self_condition_bias = nn.Linear(bins, heads) if self_conditioning else None
        self.offset_bias = nn.Embedding(offsets, heads)
        self.out = nn.Linear(hidden, hidden)
        self.out_displacement = nn.Linear(3 * heads, hidden, bias=False)
        self.norm2 = nn.LayerNorm(hidden)
        self.ff = nn.Sequential(
            nn.Linear(hidden, 4 * hidden), nn.SiLU(), nn.Linear(4 * hidden, hidden)
        )

    def pair_bias(
        self, rbf: Tensor, offset: Tensor, key_mask: Tensor, rbf_self_condition: Tensor | None
    ) -> Tensor:
        """``[B, H, n, n]`` attention biases; they depend on geometry only, not on the tokens.

        ``rbf: [B, n, n, bins]`` are the distance features, ``offset: [n, n]`` the sequence
        offsets, ``key_mask: [B, n]`` the real residues; ``rbf_self_condition`` is ``rbf`` of
        the previous prediction's distances (self-conditioned networks only).
        """
        bias = self.bias(rbf) + self.offset_bias(offset)
        if self.self_condition_bias is not None:
            bias = bias + self.self_condition_bias(rbf_self_condition)
        bias = bias.permute(0, 3, 1, 2)
        return bias.masked_fill(~key_mask[:, None, None, :], float("-inf"))

    def forward(self, h: Tensor, x: Tensor, frames: Tensor, bias: Tensor) -> Tensor:
        """One block on ``h: [B, n, d]`` at ``x: [B, n, 3]`` (nm).

        ``frames: [B, n, 3, 3]`` are the residues' frames, ``bias`` is :meth:`pair_bias`'s.
        """
        b, n, d = h.shape
        q, k, v = self.qkv(self.norm1(h)).view(b, n, 3, self.heads, d // self.heads).unbind(2)
        values = torch.cat([v, x.unsqueeze(2).expand(b, n, self.heads, 3)], dim=-1)
        attended = nn.functional.scaled_dot_product_attention(
            q.transpose(1, 2), k.transpose(1, 2), values.transpose(1, 2), attn_mask=bias
        ).transpose(1, 2)  # [B, n, H, d/H + 3]
        mixed, looked_at = attended[..., :-3], attended[..., -3:]
        displacement = _in_frames(frames, looked_at - x.unsqueeze(2)) / CA_SPACING_NM
        h = h + self.out(mixed.reshape(b, n, d))
        h = h + self.out_displacement(displacement.reshape(b, n, 3 * self.heads))
        return h + self.ff(self.norm2(h))


@dataclass
class _Geometry:
    """What one pass reads from the noisy chains, whatever their letters.

    A guided step shares it between the passes with and without letters (the pair biases are
    most of a pass's work).
    """

    batch: Tensor
    x_dense: Tensor
    mask: Tensor
    frames: Tensor
    tokens: Tensor
    biases: list[Tensor]
    skip: Tensor


class BackboneNet(nn.Module):
    """``net(x_t: [N, 3] nm, t: [B], chains, x_sc=None) -> [N, 3]`` clean C-alpha coordinates.

    ``x_sc: [N, 3]`` is the previous prediction; a network without self-conditioning ignores it,
    as one without secondary-structure conditioning ignores ``chains.ss``.
    """

    def __init__(self, config: BackboneNetConfig) -> None:
        super().__init__()
        self.config = config
        hidden = config.hidden
        self.embed = nn.Linear(_LOCAL_FEATURES + hidden, hidden)
        self.embed_self_condition = (
            nn.Linear(_SELF_CONDITION_FEATURES, hidden) if config.self_conditioning else None
        )
        self.embed_ss = nn.Embedding(SS_UNKNOWN + 1, hidden) if config.ss_conditioning else None
        self.blocks = nn.ModuleList(
            _Block(
                hidden,
                config.heads,
                config.distance_bins,
                2 * config.max_offset + 1,
                config.self_conditioning,
            )
            for _ in range(config.layers)
        )
        self.norm = nn.LayerNorm(hidden)
        self.readout = nn.Linear(hidden, 3)
        nn.init.zeros_(self.readout.weight)
        nn.init.zeros_(self.readout.bias)
        centres = torch.linspace(0.0, config.max_distance_nm, config.distance_bins)
        self.register_buffer("centres", centres, persistent=False)

    def forward(self, x: Tensor, t: Tensor, chains: Chains, x_sc: Tensor | None = None) -> Tensor:
        """The prediction of the clean chain for every residue.

        A self-conditioned network in training mode draws, for the whole batch, whether to
        condition on its own prediction first; without ``x_sc`` otherwise, it conditions on zeros.
        """
        ss = self._ss_classes(x, t, chains)
        if self.embed_self_condition is None:
            return self._predict(x, t, chains.batch, None, ss)
        if x_sc is None and self.training and bool(torch.rand(()) < 0.5):
            with torch.no_grad():
                x_sc = self._predict(x, t, chains.batch, None, ss)
        return self._predict(x, t, chains.batch, x_sc, ss)

    def guided(
        self, x: Tensor, t: Tensor, chains: Chains, x_sc: Tensor | None, guidance: float
    ) -> Tensor:
        """Classifier-free guidance, ``D_uncond + w (D_cond - D_uncond)``, at one pass's geometry.

        Both predictions read the same noisy chains, so they share the pair biases; only the
        token stream runs twice, which makes a guided step far cheaper than two calls.
        """
        if self.embed_ss is None or chains.ss is None:
            raise ValueError("guidance needs a secondary-structure-conditioned network and letters")
        shared = self._geometry(x, t, chains.batch, x_sc)
        conditional = self._tokens_to_prediction(shared, chains.ss)
        unconditional = self._tokens_to_prediction(shared, torch.full_like(chains.ss, SS_UNKNOWN))
        return unconditional + guidance * (conditional - unconditional)

    def _ss_classes(self, x: Tensor, t: Tensor, chains: Chains) -> Tensor | None:
        """Each residue's class, :data:`SS_UNKNOWN` where not given or dropped in training."""
        if self.embed_ss is None:
            return None
        if chains.ss is None:
            return torch.full((len(x),), SS_UNKNOWN, dtype=torch.long, device=x.device)
        if not self.training:
            return chains.ss
        dropped = torch.rand(len(t), device=x.device) < self.config.ss_dropout
        return torch.where(dropped[chains.batch], SS_UNKNOWN, chains.ss)

    def _rbf(self, x_dense: Tensor) -> Tensor:
        """``[B, n, 3] -> [B, n, n, bins]`` radial basis functions of the pairwise distances."""
        distance = torch.cdist(x_dense, x_dense)
        width = self.config.max_distance_nm / (self.config.distance_bins - 1)
        return torch.exp(-(((distance.unsqueeze(-1) - self.centres) / width) ** 2)).to(
            x_dense.dtype
        )

    def _self_condition(
        self, x_dense: Tensor, frames: Tensor, mask: Tensor, x_sc: Tensor | None, batch: Tensor
    ) -> tuple[Tensor, Tensor]:
        """The token term and the distance features of the previous prediction (zeros if none)."""
        b, n, _ = x_dense.shape
        if x_sc is None:
            features = x_dense.new_zeros(b, n, _SELF_CONDITION_FEATURES)
            rbf = x_dense.new_zeros(b, n, n, self.config.distance_bins)
        else:
            sc_dense, _ = to_dense_batch(x_sc, batch, batch_size=b)
            own = local_geometry(sc_dense, local_frames(sc_dense, mask.sum(1)), mask)
            moved = _in_frames(frames, sc_dense - x_dense) / CA_SPACING_NM
            features = torch.cat([own, moved], dim=-1)
            rbf = self._rbf(sc_dense)
        return self.embed_self_condition(features), rbf

    def _geometry(self, x: Tensor, t: Tensor, batch: Tensor, x_sc: Tensor | None) -> _Geometry:
        """The tokens before their letters and every block's pair biases."""
        num = t.shape[0]
        x_dense, mask = to_dense_batch(x, batch, batch_size=num)
        frames = local_frames(x_dense, mask.sum(1))
        times = sinusoidal(t.view(-1, 1).expand(mask.shape), self.config.hidden, 1e-3)
        tokens = self.embed(
            torch.cat([local_geometry(x_dense, frames, mask), times], dim=-1).to(x.dtype)
        )
        rbf, rbf_self_condition = self._rbf(x_dense), None
        if self.embed_self_condition is not None:
            term, rbf_self_condition = self._self_condition(x_dense, frames, mask, x_sc, batch)
            tokens = tokens + term
        offset = sequence_offsets(x_dense.shape[1], self.config.max_offset, x.device)
        biases = [block.pair_bias(rbf, offset, mask, rbf_self_condition) for block in self.blocks]
        time = t.view(-1, 1, 1).to(x.dtype)
        skip = time / ((1 - time) ** 2 + time**2)
        return _Geometry(batch, x_dense, mask, frames, tokens, biases, skip)

    def _tokens_to_prediction(self, g: _Geometry, ss: Tensor | None) -> Tensor:
        """The blocks and the readout; ``ss`` exactly when the network is SS-conditioned."""
        h = g.tokens
        if ss is not None:
            ss_dense, _ = to_dense_batch(
                ss, g.batch, fill_value=SS_UNKNOWN, batch_size=g.x_dense.shape[0]
            )
            h = h + self.embed_ss(ss_dense)
        for block, bias in zip(self.blocks, g.biases, strict=True):
            h = block(h, g.x_dense, g.frames, bias)
        local = self.readout(self.norm(h)) * CA_SPACING_NM
        out = g.skip * g.x_dense + (g.frames @ local.unsqueeze(-1)).squeeze(-1)
        return geometry.center(out[g.mask], g.batch, g.x_dense.shape[0])

    def _predict(
        self, x: Tensor, t: Tensor, batch: Tensor, x_sc: Tensor | None, ss: Tensor | None
    ) -> Tensor:
        """One pass; ``ss`` is given exactly when the network is SS-conditioned."""
        return self._tokens_to_prediction(self._geometry(x, t, batch, x_sc), ss)
