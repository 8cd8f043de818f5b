"""Packing the samples of many requests into batches, with per-request cancellation.

Every task generates *units* (one conformer, one molecule, one backbone), each belonging to a
request and having a size (atoms, residues). :class:`Packer` groups units in request order into
batches of at most ``max_size``, has a task-specific function sample each batch, and reports
progress per request. A request whose ``cancelled(request)`` turns True is dropped: the batch
it shared is sampled again without it, and its later units are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Generic, Protocol, TypeVar

import torch

from models.samplers import SamplingCancelled

__all__ = ["Packer", "Unit", "unit_generator"]

_MIXERS = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D)


def unit_generator(seed: int, *indices: int) -> torch.Generator:
    """A generator seeded by a request's seed and a unit's indices only (at most two).

    Priors drawn from it do not depend on how units are packed, so ODE samples do not either.
    """
    mixed = sum(k * m for k, m in zip((seed, *indices), _MIXERS, strict=False)) % 2**63
    return torch.Generator().manual_seed(mixed)


class Unit(Protocol):
    """What the packer needs of a unit."""

    request: int
    size: int


U = TypeVar("U", bound=Unit)
R = TypeVar("R")

SamplePack = Callable[[list[U], Callable[[], bool]], list[R]]
"""``sample(pack, cancelled)``: one result per unit; ``cancelled()`` is for the sampler."""


class Packer(Generic[U, R]):
    """Iterate for ``(unit, result)`` of every unit that was not cancelled, in order."""

    def __init__(
        self,
        units: Iterable[U],
        sample: SamplePack,
        max_size: int,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[int], bool] | None = None,
    ) -> None:
        self.units, self.sample, self.max_size = units, sample, max_size
        self.progress, self.cancelled = progress, cancelled
        self.cancelled_requests: set[int] = set()

    def _packs(self) -> Iterator[list[U]]:
        pack: list[U] = []
        size = 0
        for unit in self.units:
            if unit.request in self.cancelled_requests:
                continue
            if pack and size + unit.size > self.max_size:
                yield pack
                pack, size = [], 0
            pack.append(unit)
            size += unit.size
        if pack:
            yield pack

    def _pack_cancelled(self, pack: list[U]) -> bool:
        if self.cancelled is None:
            return False
        asked = {r for r in {u.request for u in pack} if self.cancelled(r)}
        self.cancelled_requests |= asked
        return bool(asked)

    def _sample_uncancelled(self, pack: list[U]) -> tuple[list[U], list[R]]:
        while pack:
            try:
                return pack, self.sample(pack, lambda pack=pack: self._pack_cancelled(pack))
            except SamplingCancelled:
                pack = [u for u in pack if u.request not in self.cancelled_requests]
        return [], []

    def __iter__(self) -> Iterator[tuple[U, R]]:
        for packed in self._packs():
            pack, results = self._sample_uncancelled(packed)
            yield from zip(pack, results, strict=True)
            if self.progress is not None:
                for r in sorted({u.request for u in pack}):
                    self.progress(r, sum(u.request == r for u in pack))
