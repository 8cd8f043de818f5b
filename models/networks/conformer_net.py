"""The conformer denoiser: ``D(x_t, t, graph) ~ x_1`` for molecules with explicit hydrogens.

Fully connected within each molecule; every ordered pair carries the codes of
:mod:`chem.featurize` (bond type, E/Z, conjugation, topological distance), so bonded pairs get
bond features. Atom codes and the time embedding make the invariant node features; a stack of
:class:`~models.networks.egnn_layer.EquivariantLayer` moves the coordinates. The output is
centred per molecule. Molecules of one size run together as dense ``[B, n, n]`` pair blocks.

Inputs (a torch-geometric ``Batch``): ``atoms: [N, A]``, ``pairs: [sum n_b^2, P]`` (each
molecule's dense pair codes, row-major), ``ptr: [B + 1]``, ``batch: [N]``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

from models import geometry
from models.networks.egnn_layer import EquivariantLayer

__all__ = ["ConformerNet", "ConformerNetConfig", "GraphEncoding", "SizeGroup", "size_groups"]


@dataclass(frozen=True)
class ConformerNetConfig:
    """Hyper-parameters of :class:`ConformerNet`."""

    atom_cardinalities: tuple[int, ...]
    pair_cardinalities: tuple[int, ...]
    hidden: int = 64
    layers: int = 5
    time_dim: int = 16

    def to_dict(self) -> dict:
        """Plain dict for checkpoints."""
        return asdict(self)


@dataclass(frozen=True)
class SizeGroup:
    """The molecules of one size ``n`` in a batch: ``B`` of them.

    ``atoms: [B, n]`` (their atoms' rows in the batch), ``edge_terms``: per layer, its
    ``[B, n, n, F]`` share of the first message layer from the pair codes.
    """

    atoms: Tensor
    edge_terms: tuple[Tensor, ...]


@dataclass(frozen=True)
class GraphEncoding:
    """Graph-only inputs of the layers: ``atoms: [N, F]`` (embeddings) and the size groups."""

    atoms: Tensor
    groups: tuple[SizeGroup, ...]


def size_groups(ptr: Tensor) -> list[tuple[Tensor, Tensor]]:
    """Per distinct molecule size ``n``: atom rows ``[B, n]`` and pair-code rows ``[B, n * n]``.

    Pair codes are stored as row-major ``n x n`` blocks, one molecule after another.
    """
    sizes = ptr[1:] - ptr[:-1]
    squares = sizes * sizes
    pair_starts = squares.cumsum(0) - squares
    groups = []
    for n in sizes.unique().tolist():
        members = (sizes == n).nonzero().squeeze(1)
        atoms = ptr[members].unsqueeze(1) + torch.arange(n, device=ptr.device)
        pairs = pair_starts[members].unsqueeze(1) + torch.arange(n * n, device=ptr.device)
        groups.append((atoms, pairs))
    return groups


def time_embedding(t: Tensor, dim: int) -> Tensor:
    """Sinusoidal embedding ``[B] -> [B, dim]`` of times in [0, 1]."""
    freqs = torch.exp(torch.linspace(0, math.log(1000.0), dim // 2, device=t.device))
    angles = t.unsqueeze(-1) * freqs * math.pi
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


class ConformerNet(nn.Module):
    """E(3)-equivariant denoiser over molecular graphs."""

    def __init__(self, config: ConformerNetConfig) -> None:
        super().__init__()
        self.config = config
        hidden = config.hidden
        self.atom_embeddings = nn.ModuleList(
            nn.Embedding(c, hidden) for c in config.atom_cardinalities
        )
        self.pair_embeddings = nn.ModuleList(
            nn.Embedding(c, hidden) for c in config.pair_cardinalities
        )
        self.time_mlp = nn.Sequential(
            nn.Linear(config.time_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden)
        )
        self.layers = nn.ModuleList(
            EquivariantLayer(hidden, edge_dim=hidden) for _ in range(config.layers)
        )

    def encode(self, graph) -> GraphEncoding:
        """The parts that depend on the graph only; a sampler computes them once, not per step."""
        atoms, pairs = graph.atoms.long(), graph.pairs.long()
        groups = []
        for atom_rows, pair_rows in size_groups(graph.ptr):
            codes = pairs[pair_rows]  # [B, n * n, P]
            edge_attr = sum(emb(codes[..., k]) for k, emb in enumerate(self.pair_embeddings))
            edge_attr = edge_attr.unflatten(1, (atom_rows.shape[1], atom_rows.shape[1]))
            terms = tuple(layer.project_edges(edge_attr) for layer in self.layers)
            groups.append(SizeGroup(atom_rows, terms))
        return GraphEncoding(
            atoms=sum(emb(atoms[:, k]) for k, emb in enumerate(self.atom_embeddings)),
            groups=tuple(groups),
        )

    def forward(
        self, x_t: Tensor, t: Tensor, graph, encoding: GraphEncoding | None = None
    ) -> Tensor:
        """``x_t: [N, 3]``, ``t: [B]`` or scalar -> ``D: [N, 3]`` (centred).

        ``encoding``: :meth:`encode`'s output for ``graph``, when the caller has it.
        """
        encoding = self.encode(graph) if encoding is None else encoding
        num_graphs = graph.ptr.numel() - 1
        t = t.to(device=x_t.device, dtype=x_t.dtype)
        t = t.expand(num_graphs) if t.dim() == 0 else t
        h_all = encoding.atoms + self.time_mlp(time_embedding(t, self.config.time_dim))[graph.batch]
        out = torch.empty_like(x_t)
        for group in encoding.groups:
            h, pos = h_all[group.atoms], x_t[group.atoms]
            for layer, edge_term in zip(self.layers, group.edge_terms, strict=True):
                h, pos = layer(h, pos, edge_term)
            out[group.atoms] = pos
        return geometry.center(out, graph.batch, num_graphs)
