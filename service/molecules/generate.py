"""De novo molecules: a graph from the SMILES model, then atoms placed by a conformer model.

Graph first, geometry second. Molecule ``i`` of a request with seed ``s`` has its heavy-atom
count (drawn from the training histogram unless requested) and its graph drawn from ``(s, i)``
alone; a graph that does not read as a molecule, misses its size (requested or drawn) or lacks
the requested fragment (``scaffold``), is drawn again (``max_attempts`` in all). The QM9
conformer model of the requested treatment then places every atom, hydrogens included, as a
conformer job does (:class:`service.conformers.generate.PackedRun`, packed across requests),
and each molecule is written from its generated graph with its 3-D coordinates and its own
checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from rdkit import Chem

from chem.generated import GeneratedMolecule, describe_graph_molecule, failed_graph
from chem.molecules import ConformerRecord, read_smiles
from service.checkpoints import LoadedConformerModel, LoadedGraphModel
from service.conformers.generate import ConformerJob, ConformerRequest, PackedRun
from service.molecules.graphs import GraphDraw, draw_graphs, draw_sizes

__all__ = ["MoleculeRequest", "PackedMolecules", "molecule_graphs"]


@dataclass(frozen=True)
class MoleculeRequest:
    """``num_molecules`` molecules, one seed; ``num_heavy_atoms`` None: sizes are drawn."""

    num_molecules: int
    conformer: ConformerJob
    seed: int = 0
    num_heavy_atoms: int | None = None
    temperature: float = 1.0
    max_attempts: int = 1
    scaffold: Chem.Mol | None = None
    """A fragment every molecule must contain (a substructure query)."""

    def accepts(self, draw: GraphDraw) -> bool:
        """Is ``draw`` a molecule of its size that holds the fragment asked for."""
        if not draw.size_kept:
            return False
        return self.scaffold is None or draw.mol.HasSubstructMatch(self.scaffold)


def molecule_graphs(
    model: LoadedGraphModel, request: MoleculeRequest
) -> list[tuple[GraphDraw, int]]:
    """Every molecule's graph and the attempt that gave it (the last one when none succeeded)."""
    if request.num_heavy_atoms is not None:
        sizes = [request.num_heavy_atoms] * request.num_molecules
    else:
        sizes = draw_sizes(np.array(model.size_histogram), request.num_molecules, request.seed)
    drawn: list[tuple[GraphDraw, int] | None] = [None] * request.num_molecules
    pending = list(range(request.num_molecules))
    for attempt in range(request.max_attempts):
        draws = draw_graphs(
            model.net,
            model.vocabulary,
            [sizes[i] for i in pending],
            request.seed,
            pending,
            temperature=request.temperature,
            attempt=attempt,
        )
        for i, draw in zip(pending, draws, strict=True):
            drawn[i] = (draw, attempt + 1)
        pending = [i for i, draw in zip(pending, draws, strict=True) if not request.accepts(draw)]
        if not pending:
            break
    return [d for d in drawn if d is not None]


class PackedMolecules:
    """Molecules of several requests; iterate for ``(request, molecule)`` in each one's order.

    All graphs are drawn first; their conformers are packed across requests. ``progress``
    and ``cancelled`` work per request, as in :class:`service.packing.Packer`.
    """

    def __init__(
        self,
        graph_model: LoadedGraphModel,
        conformer_model: LoadedConformerModel,
        requests: Sequence[MoleculeRequest],
        *,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[int], bool] | None = None,
    ) -> None:
        self.requests = requests
        self.graph_model, self.conformer_model = graph_model, conformer_model
        self.graphs = [molecule_graphs(graph_model, request) for request in requests]
        self.inputs = [
            read_smiles([draw.smiles if draw.mol is not None else "" for draw, _ in graphs])
            for graphs in self.graphs
        ]
        if progress is not None:  # molecules without a conformer to wait for count at once
            for r, inputs in enumerate(self.inputs):
                progress(r, sum(m.error is not None for m in inputs))
        self._run = PackedRun(
            conformer_model,
            [
                ConformerRequest(inputs, request.conformer)
                for inputs, request in zip(self.inputs, requests, strict=True)
            ],
            progress=progress,
            cancelled=cancelled,
        )

    @property
    def cancelled_requests(self) -> set[int]:
        """Requests that were dropped because they were cancelled."""
        return self._run.cancelled_requests

    def _extra(self, r: int, index: int) -> dict:
        draw, attempts = self.graphs[r][index]
        request = self.requests[r]
        kept = {}
        if request.scaffold is not None:
            kept["scaffold_kept"] = bool(draw.mol and draw.mol.HasSubstructMatch(request.scaffold))
        return {
            **kept,
            "index": index,
            "seed": request.seed,
            "generated_smiles": draw.smiles,
            "num_heavy_atoms_asked": draw.size,
            "attempts": attempts,
            "treatment": self.conformer_model.treatment,
            "checkpoint": self.graph_model.path.name,
            "conformer_checkpoint": self.conformer_model.path.name,
        }

    def __iter__(self) -> Iterator[tuple[int, GeneratedMolecule]]:
        """Conformer records come in each request's order, skipping graphs that failed."""
        cursor = [0] * len(self.requests)

        def failed_ones(r: int) -> Iterator[tuple[int, GeneratedMolecule]]:
            inputs = self.inputs[r]
            while cursor[r] < len(inputs) and inputs[cursor[r]].error is not None:
                yield r, failed_graph(self._extra(r, cursor[r]))
                cursor[r] += 1

        for r in range(len(self.requests)):
            yield from failed_ones(r)
        for r, record in self._run:
            extra = {**self._extra(r, cursor[r]), **_conformer_properties(record)}
            cursor[r] += 1
            yield r, describe_graph_molecule(record.mol, record.coords, extra)
            yield from failed_ones(r)


CONFORMER_ONLY = ("name", "source_smiles", "conformer_index", "seed", "treatment", "checkpoint")
"""Conformer record properties a molecule's record states otherwise (or does not need)."""


def _conformer_properties(record: ConformerRecord) -> dict:
    """The conformer's sampler settings, relaxation, energy, strain and PoseBusters flags."""
    return {k: v for k, v in record.properties.items() if k not in CONFORMER_ONLY}
