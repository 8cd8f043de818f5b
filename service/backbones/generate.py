"""Backbone generation for the service and the CLI: plans, priors, packing, rebuilt backbones.

Backbone ``i`` of a request with seed ``s`` starts from a prior drawn from ``(s, i)`` alone, and
the SDE draws its noise from the same generator, so samples do not depend on how backbones are
packed into batches of at most ``max_residues`` residues. Its secondary-structure plan is the
request's own string, or (``plan="sample"``) one drawn from the checkpoint's segment model with
``(s, i)``, or none (``plan="none"``: the unconditional network). With ``relax="ca"`` (the
default) each trace is then relaxed to 3.8 A steps and clash-free contacts
(:func:`chem.backbone_relax.relax_ca_trace`; no secondary-structure term). Each C-alpha trace is
rebuilt to N, CA, C, O (:func:`chem.backbone.rebuild_backbone`) and scored with the per-chain
metrics of :mod:`chem.backbone_metrics` and its P-SEA secondary structure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from chem.backbone import rebuild_backbone
from chem.backbone_metrics import clashes, mean_ca_distance, radius_of_gyration
from chem.backbone_relax import relax_ca_trace
from chem.proteins import Backbone
from chem.secondary_structure import psea
from models.networks.backbone_net import SS_UNKNOWN
from models.samplers import SamplingConfig
from models.tasks.backbone import DEFAULT_GUIDANCE, sample_backbones
from service.backbones.data import ss_classes
from service.checkpoints import LoadedBackboneModel
from service.packing import Packer, unit_generator

__all__ = ["BackboneRequest", "GeneratedBackbone", "PackedBackbones"]

MAX_RESIDUES = {"cpu": 2000, "cuda": 50_000}
PLAN_STREAM = 7
"""Plans draw from numpy's stream ``(seed, index, 7)``, apart from the prior's torch stream."""


@dataclass(frozen=True)
class BackboneRequest:
    """``num_backbones`` chains of ``length`` residues, one sampler setting and seed.

    ``secondary_structure``: ``H``/``E``/``L`` per residue for every chain; without it, ``plan``
    ``"sample"`` draws one per chain from the model's plan model (near ``fractions``, helix and
    strand, where given) and ``"none"`` gives none.
    ``guidance``: the classifier-free guidance weight (one per pack, as the sampler).
    ``relax``: ``"ca"`` relaxes each trace, ``"none"`` keeps it as sampled. Chains are numbered
    from ``first_index`` (a request of several lengths numbers on).
    """

    num_backbones: int
    length: int
    sampling: SamplingConfig
    seed: int = 0
    secondary_structure: str | None = None
    plan: str = "sample"
    fractions: tuple[float, float] | None = None
    guidance: float = DEFAULT_GUIDANCE
    relax: str = "ca"
    first_index: int = 0

    def plan_for(self, index: int, model: LoadedBackboneModel) -> str | None:
        """The letters chain ``index`` is generated for, None for an unconditional chain."""
        if self.secondary_structure is not None:
            return self.secondary_structure
        if self.plan == "none" or model.plans is None:
            return None
        rng = np.random.default_rng([self.seed, index, PLAN_STREAM])
        if self.fractions is not None:
            return model.plans.sample_near(self.length, *self.fractions, rng)
        return model.plans.sample(self.length, rng)


@dataclass(frozen=True)
class GeneratedBackbone:
    """One sample: the rebuilt backbone and its properties (metrics, seed, treatment).

    ``sampled`` is the C-alpha trace as the model sampled it, before any relaxation.
    """

    backbone: Backbone
    properties: dict
    sampled: np.ndarray


@dataclass(frozen=True)
class _Unit:
    request: int
    index: int
    size: int  # residues


def prior_draw(length: int, seed: int, index: int) -> tuple[torch.Tensor, torch.Generator]:
    """The starting point ``[L, 3]`` (nm, centred) of backbone ``index``, and its generator.

    The generator goes on to draw the backbone's SDE noise.
    """
    generator = unit_generator(seed, index)
    x = torch.randn(length, 3, generator=generator)
    return x - x.mean(0), generator


def describe(sampled: np.ndarray, plan: str | None, relax: str, extra: dict) -> GeneratedBackbone:
    """Relax (if asked), rebuild the full backbone and measure it against its ``plan``."""
    ca = relax_ca_trace(sampled) if relax == "ca" else sampled
    coords = rebuild_backbone(ca)
    letters = psea(ca)
    properties = {
        **extra,
        "length": len(ca),
        "mean_ca_distance": round(mean_ca_distance(ca), 3),
        "clashes": clashes(ca),
        "radius_of_gyration": round(radius_of_gyration(ca), 2),
        "helix": round(letters.count("H") / len(ca), 3),
        "strand": round(letters.count("E") / len(ca), 3),
        "secondary_structure": letters,
        "plan": plan,
        "plan_agreement": None
        if plan is None
        else round(sum(a == b for a, b in zip(letters, plan, strict=True)) / len(ca), 3),
        "relax": relax,
        "relax_rmsd": round(float(np.sqrt(((ca - sampled) ** 2).sum(1).mean())), 3),
    }
    return GeneratedBackbone(
        Backbone(f"qsdiff-{extra['index']}", coords, "G" * len(ca)), properties, sampled
    )


class PackedBackbones:
    """Backbones of several requests, packed across them; iterate for ``(request, backbone)``.

    ``progress`` and ``cancelled`` work per request, as in :class:`service.packing.Packer`.
    """

    def __init__(
        self,
        model: LoadedBackboneModel,
        requests: Sequence[BackboneRequest],
        *,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[int], bool] | None = None,
        max_residues: int | None = None,
    ) -> None:
        if len({(r.sampling, r.guidance) for r in requests}) > 1:
            raise ValueError("packed requests must share one sampler setting and guidance")
        self.model, self.requests = model, requests
        self.device = next(model.net.parameters()).device
        units = (
            _Unit(r, request.first_index + i, request.length)
            for r, request in enumerate(requests)
            for i in range(request.num_backbones)
        )
        limit = max_residues or MAX_RESIDUES.get(self.device.type, MAX_RESIDUES["cpu"])
        self._packer = Packer(units, self._sample, limit, progress, cancelled)
        self._plans: dict[tuple[int, int], str | None] = {}

    @property
    def cancelled_requests(self) -> set[int]:
        """Requests that were dropped because they were cancelled."""
        return self._packer.cancelled_requests

    def _draw_plan(self, unit: _Unit) -> str | None:
        """The unit's plan, kept until its backbone is described."""
        plan = self.requests[unit.request].plan_for(unit.index, self.model)
        self._plans[unit.request, unit.index] = plan
        return plan

    def _sample(self, pack: list[_Unit], cancelled: Callable[[], bool]) -> list[torch.Tensor]:
        priors, generators = zip(
            *(prior_draw(u.size, self.requests[u.request].seed, u.index) for u in pack),
            strict=True,
        )
        x0 = torch.cat(priors)
        plans = [self._draw_plan(u) for u in pack]
        ss = None
        if any(plans) and self.model.ss_conditioned:
            ss = torch.cat(
                [
                    ss_classes(p) if p else torch.full((u.size,), SS_UNKNOWN)
                    for u, p in zip(pack, plans, strict=True)
                ]
            )
        first = self.requests[pack[0].request]
        return sample_backbones(
            self.model.net,
            [u.size for u in pack],
            self.model.treatment,
            first.sampling,
            seed=first.seed,
            cancelled=cancelled,
            x0=x0.to(self.device),
            ss=ss,
            guidance=first.guidance,
            generators=list(generators),
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
                "guidance": request.guidance,
            }
            plan = self._plans.pop((unit.request, unit.index))
            yield unit.request, describe(ca.double().numpy(), plan, request.relax, extra)
