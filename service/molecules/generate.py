"""De novo molecule generation for the service and the CLI: sizes, priors, packing, output.

Molecule ``i`` of a request with seed ``s`` has its size drawn from the checkpoint's histogram
(or the requested size) and its prior drawn from ``(s, i)`` alone, so ODE samples do not depend
on how molecules are packed into batches of at most ``max_atoms`` atoms, nor on which other
requests share the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from chem.generated import GeneratedMolecule, describe
from models.interpolant import Interpolant
from models.samplers import SamplingConfig, make_sampler
from models.spaces import AtomClouds
from models.tasks.molecule import decode_types, draw_sizes
from service.checkpoints import LoadedMoleculeModel
from service.packing import Packer, unit_generator

__all__ = ["MoleculeRequest", "PackedMolecules", "molecule_sizes"]

MAX_ATOMS = {"cpu": 1200, "cuda": 20000}  # atoms per batch


@dataclass(frozen=True)
class MoleculeRequest:
    """``num_molecules`` molecules of ``num_atoms`` atoms each (None: drawn), one seed."""

    num_molecules: int
    sampling: SamplingConfig
    seed: int = 0
    num_atoms: int | None = None


@dataclass(frozen=True)
class _Unit:
    request: int
    index: int
    size: int  # atoms


def molecule_sizes(model: LoadedMoleculeModel, request: MoleculeRequest) -> list[int]:
    """Atom count of every molecule of ``request``."""
    if request.num_atoms is not None:
        return [request.num_atoms] * request.num_molecules
    return draw_sizes(np.array(model.size_histogram), request.num_molecules, request.seed)


def prior_draw(num_atoms: int, num_types: int, seed: int, index: int) -> torch.Tensor:
    """The starting point ``[n, 3 + T]`` of molecule ``index`` (coordinates centred)."""
    generator = unit_generator(seed, index)
    x = torch.randn(num_atoms, 3 + num_types, generator=generator)
    x[:, :3] -= x[:, :3].mean(0)
    return x


class PackedMolecules:
    """Molecules of several requests, packed across them; iterate for ``(request, molecule)``.

    ``progress`` and ``cancelled`` work per request, as in :class:`service.packing.Packer`.
    """

    def __init__(
        self,
        model: LoadedMoleculeModel,
        requests: Sequence[MoleculeRequest],
        *,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[int], bool] | None = None,
        max_atoms: int | None = None,
    ) -> None:
        if len({r.sampling for r in requests}) > 1:
            raise ValueError("packed requests must share one sampler setting")
        self.model, self.requests = model, requests
        self.device = next(model.net.parameters()).device
        self.sampler = make_sampler(model.treatment, requests[0].sampling, Interpolant())
        units = (
            _Unit(r, i, n)
            for r, request in enumerate(requests)
            for i, n in enumerate(molecule_sizes(model, request))
        )
        max_atoms = max_atoms or MAX_ATOMS.get(self.device.type, MAX_ATOMS["cpu"])
        self._packer = Packer(units, self._sample, max_atoms, progress, cancelled)

    @property
    def cancelled_requests(self) -> set[int]:
        """Requests that were dropped because they were cancelled."""
        return self._packer.cancelled_requests

    @torch.no_grad()
    def _sample(self, pack: list[_Unit], cancelled: Callable[[], bool]) -> list[torch.Tensor]:
        num_types = len(self.model.elements)
        x0 = torch.cat(
            [prior_draw(u.size, num_types, self.requests[u.request].seed, u.index) for u in pack]
        ).to(self.device)
        sizes = torch.tensor([u.size for u in pack], device=self.device)
        batch = torch.repeat_interleave(torch.arange(len(pack), device=self.device), sizes)
        self.model.net.eval()
        state = self.sampler.sample(
            lambda x, t: self.model.net(x, t.expand(len(pack)), batch),
            AtomClouds(batch, len(pack)),
            x0,
            seed=self.requests[pack[0].request].seed,
            cancelled=cancelled,
            x0=x0,
        )
        return list(state.cpu().split(sizes.tolist()))

    def __iter__(self) -> Iterator[tuple[int, GeneratedMolecule]]:
        for unit, state in self._packer:
            types = decode_types(state[:, 3:]).numpy()
            extra = {
                "index": unit.index,
                "seed": self.requests[unit.request].seed,
                "treatment": self.model.treatment,
                "checkpoint": self.model.path.name,
            }
            yield unit.request, describe(types, state[:, :3].double().numpy(), extra)
