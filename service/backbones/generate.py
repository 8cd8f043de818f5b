"""Backbone generation for the service and the CLI: priors, packing, rebuilt full backbones.

Backbone ``i`` of a request with seed ``s`` starts from a prior drawn from ``(s, i)`` alone, so
ODE samples do not depend on how backbones are packed into batches of at most ``max_residues``
residues. Each C-alpha trace is rebuilt to N, CA, C, O (:func:`chem.backbone.rebuild_backbone`)
and scored with the per-chain metrics of :mod:`chem.backbone_metrics`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from chem.backbone import rebuild_backbone
from chem.backbone_metrics import clashes, mean_ca_distance, radius_of_gyration
from chem.proteins import Backbone
from chem.secondary_structure import dssp, fractions
from models.samplers import SamplingConfig
from models.tasks.backbone import sample_backbones
from service.checkpoints import LoadedModel
from service.packing import Packer, unit_generator

__all__ = ["BackboneRequest", "GeneratedBackbone", "PackedBackbones"]

MAX_RESIDUES = {"cpu": 2000, "cuda": 50_000}


@dataclass(frozen=True)
class BackboneRequest:
    """``num_backbones`` chains of ``length`` residues, one sampler setting and seed."""

    num_backbones: int
    length: int
    sampling: SamplingConfig
    seed: int = 0


@dataclass(frozen=True)
class GeneratedBackbone:
    """One sample: the rebuilt backbone and its properties (metrics, seed, treatment)."""

    backbone: Backbone
    properties: dict


@dataclass(frozen=True)
class _Unit:
    request: int
    index: int
    size: int  # residues


def prior_draw(length: int, seed: int, index: int) -> torch.Tensor:
    """The starting point ``[L, 3]`` (nm, centred) of backbone ``index``."""
    generator = unit_generator(seed, index)
    x = torch.randn(length, 3, generator=generator)
    return x - x.mean(0)


def describe(ca: np.ndarray, extra: dict) -> GeneratedBackbone:
    """Rebuild the full backbone and measure it."""
    coords = rebuild_backbone(ca)
    codes = dssp(coords)
    ss = fractions(codes)
    properties = {
        **extra,
        "length": len(ca),
        "mean_ca_distance": round(mean_ca_distance(ca), 3),
        "clashes": clashes(ca),
        "radius_of_gyration": round(radius_of_gyration(ca), 2),
        "helix": round(ss["helix"], 3),
        "strand": round(ss["strand"], 3),
        "dssp": codes,
    }
    return GeneratedBackbone(
        Backbone(f"qsdiff-{extra['index']}", coords, "G" * len(ca)), properties
    )


class PackedBackbones:
    """Backbones of several requests, packed across them; iterate for ``(request, backbone)``.

    ``progress`` and ``cancelled`` work per request, as in :class:`service.packing.Packer`.
    """

    def __init__(
        self,
        model: LoadedModel,
        requests: Sequence[BackboneRequest],
        *,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[int], bool] | None = None,
        max_residues: int | None = None,
    ) -> None:
        if len({r.sampling for r in requests}) > 1:
            raise ValueError("packed requests must share one sampler setting")
        self.model, self.requests = model, requests
        self.device = next(model.net.parameters()).device
        units = (
            _Unit(r, i, request.length)
            for r, request in enumerate(requests)
            for i in range(request.num_backbones)
        )
        limit = max_residues or MAX_RESIDUES.get(self.device.type, MAX_RESIDUES["cpu"])
        self._packer = Packer(units, self._sample, limit, progress, cancelled)

    @property
    def cancelled_requests(self) -> set[int]:
        """Requests that were dropped because they were cancelled."""
        return self._packer.cancelled_requests

    def _sample(self, pack: list[_Unit], cancelled: Callable[[], bool]) -> list[torch.Tensor]:
        x0 = torch.cat([prior_draw(u.size, self.requests[u.request].seed, u.index) for u in pack])
        first = self.requests[pack[0].request]
        return sample_backbones(
            self.model.net,
            [u.size for u in pack],
            self.model.treatment,
            first.sampling,
            seed=first.seed,
            cancelled=cancelled,
            x0=x0.to(self.device),
        )

    def __iter__(self) -> Iterator[tuple[int, GeneratedBackbone]]:
        for unit, ca in self._packer:
            request = self.requests[unit.request]
            extra = {
                "index": unit.index,
                "seed": request.seed,
                "treatment": self.model.treatment,
                "sampler": request.sampling.sampler,
                "num_steps": request.sampling.num_steps,
                "checkpoint": self.model.path.name,
            }
            yield unit.request, describe(ca.double().numpy(), extra)
