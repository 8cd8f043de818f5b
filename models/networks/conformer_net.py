"""The conformer denoiser: ``D(x_t, t, graph) ~ x_1`` for molecules with explicit hydrogens.

Fully connected within each molecule; every ordered pair carries the codes of
:mod:`chem.featurize` (bond type, E/Z, conjugation, topological distance), so bonded pairs get
bond features. Atom codes and the time embedding make the invariant node features; a stack of
:class:`~models.networks.egnn_layer.EquivariantLayer` moves the coordinates. The output is
centred per molecule.

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

__all__ = ["ConformerNet", "ConformerNetConfig", "GraphEncoding", "dense_pairs"]


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


def dense_pairs(ptr: Tensor) -> tuple[Tensor, Tensor]:
    """All ordered pairs ``i != j`` within each graph.

    Returns ``edge_index: [2, E]`` and ``keep: [sum n_b^2]``, the mask that selects those pairs
    from the row-major ``n_b x n_b`` blocks of every graph (the diagonal is dropped).
    """
    sizes = ptr[1:] - ptr[:-1]
    squares = sizes * sizes
    graph = torch.repeat_interleave(torch.arange(sizes.numel(), device=ptr.device), squares)
    local = torch.arange(int(squares.sum()), device=ptr.device) - torch.repeat_interleave(
        squares.cumsum(0) - squares, squares
    )
    n = sizes[graph]
    src, dst = local // n, local % n
    keep = src != dst
    base = ptr[:-1][graph]
    return torch.stack([(base + dst)[keep], (base + src)[keep]]), keep


@dataclass(frozen=True)
class GraphEncoding:
    """Graph-only inputs of the layers.

    ``atoms: [N, F]`` (atom embeddings), ``edge_index: [2, E]``, ``edge_attr: [E, F]``.
    """

    atoms: Tensor
    edge_index: Tensor
    edge_attr: Tensor


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
        atoms = graph.atoms.long()
        edge_index, keep = dense_pairs(graph.ptr)
        pairs = graph.pairs.long()[keep]
        return GraphEncoding(
            atoms=sum(emb(atoms[:, k]) for k, emb in enumerate(self.atom_embeddings)),
            edge_index=edge_index,
            edge_attr=sum(emb(pairs[:, k]) for k, emb in enumerate(self.pair_embeddings)),
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
        h = encoding.atoms + self.time_mlp(time_embedding(t, self.config.time_dim))[graph.batch]
        pos = x_t
        for layer in self.layers:
            h, pos = layer(h, pos, encoding.edge_index, encoding.edge_attr)
        return geometry.center(pos, graph.batch, num_graphs)
