"""Conformer generation: packing requests into batches, sampling, the mirror fix.

Conformers of one or many requests are packed into batches of at most ``max_atoms`` atoms and
sampled together (packing many small requests is what makes a busy server fast), then each one
is matched to its input's stereo (:func:`chem.stereo.match_reflection`).

A job starts each conformer from pure noise (``start="noise"``) or from an ETKDGv3 conformer
noised to the sampler's ``start_time`` (``start="etkdg"``, partial diffusion: RDKit's local
geometry, the model's choice of where to go from there, and fewer steps). After sampling a
conformer may be relaxed (:mod:`service.conformers.relax`: MMFF94 locally or to convergence,
or GFN2-xTB), and each record carries its MMFF94 energy and strain, PoseBusters flags and
whether its molecule lies in the model's training domain (``in_domain``, with ``domain_notes``
when it does not).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch_geometric.data import Batch, Data

from chem.conformer_checks import conformer_checks
from chem.domain import domain_notes
from chem.etkdg import embed_conformers
from chem.molecules import ConformerRecord, InputMolecule
from chem.stereo import match_reflection, stereo_labels
from models.interpolant import Interpolant
from models.samplers import SamplingCancelled, SamplingConfig
from models.tasks.conformer import sample_conformers
from service.checkpoints import LoadedConformerModel
from service.conformers.relax import Relax, relax_conformers, relaxation_properties
from service.packing import Packer, unit_generator

__all__ = [
    "ETKDG_START_STEPS",
    "NOISE_START_STEPS",
    "ConformerJob",
    "ConformerRequest",
    "PackedRun",
    "checkpoint_task",
    "default_steps",
    "generate_conformers",
    "prior_draw",
    "sample_count",
]

# Atoms per packed batch. On a CPU, batches beyond a few hundred atoms leave the cache and get
# slower per conformer (measured: 32 drug-sized requests x 5 took 19.6 s at 400 atoms per batch,
# 37.7 s at 4000); a GPU wants batches as large as memory allows.
MAX_ATOMS = {"cpu": 640, "cuda": 8000}
STEREO_RETRIES = 3


Start = Literal["noise", "etkdg"]
NOISE_START_STEPS = 20
ETKDG_START_STEPS = 3
"""Heun steps from an ETKDG conformer at t = 0.5: measured on the tuning ligands (README), the
choice that keeps RDKit's accuracy at more than half of ETKDG + MMFF's throughput."""


def default_steps(start: Start) -> int:
    """Sampler steps a request gets unless it says: few from ETKDG, more from noise."""
    return ETKDG_START_STEPS if start == "etkdg" else NOISE_START_STEPS


def checkpoint_task(model: Literal["qm9", "druglike"]) -> str:
    """The registry's task of a conformer model: the QM9 pair, or the drug-like one."""
    return "conformer" if model == "qm9" else "conformer-druglike"


@dataclass(frozen=True)
class ConformerJob:
    """What to generate: ``num_conformers`` per molecule with one sampler setting and seed.

    ``start="etkdg"`` needs ``sampling.start_time`` above 0 (where the ETKDG conformer is
    noised to), ``"noise"`` needs it at 0. ``checks`` adds energy, strain and PoseBusters
    flags to every record (benchmarks that time generation alone turn them off).
    """

    num_conformers: int
    sampling: SamplingConfig
    seed: int = 0
    start: Start = "noise"
    relax: Relax = "none"
    checks: bool = True

    @classmethod
    def requested(
        cls,
        num_conformers: int,
        seed: int,
        *,
        sampler: Literal["ode", "sde"] = "ode",
        num_steps: int | None = None,
        start: Start = "etkdg",
        start_time: float = 0.5,
        relax: Relax = "none",
    ) -> ConformerJob:
        """The job a request (API or command line) states.

        ``start_time`` counts only for an ETKDG start; ``num_steps`` None is the start's default.
        """
        return cls(
            num_conformers,
            SamplingConfig(
                sampler,
                num_steps or default_steps(start),
                start_time=start_time if start == "etkdg" else 0.0,
            ),
            seed,
            start=start,
            relax=relax,
        )

    def __post_init__(self) -> None:
        if (self.start == "etkdg") != (self.sampling.start_time > 0):
            raise ValueError(
                f"start={self.start!r} with start_time={self.sampling.start_time}: an ETKDG "
                "start needs a start_time in (0, 1), a noise start a start_time of 0"
            )


@dataclass(frozen=True)
class ConformerRequest:
    """One caller's molecules and settings; requests with equal ``job.sampling`` pack together."""

    molecules: Sequence[InputMolecule]
    job: ConformerJob


@dataclass(frozen=True)
class _Unit:
    """One conformer to make: request ``request``'s molecule, conformer index ``k``."""

    request: int
    molecule: InputMolecule
    k: int

    @property
    def size(self) -> int:
        """Atoms, what packing counts."""
        return self.molecule.graph.num_atoms


RETRY_OFFSET = 1_000_003  # conformer index shift of a stereo retry's prior draw


def prior_draw(num_atoms: int, seed: int, molecule: int, conformer: int) -> torch.Tensor:
    """The centred Gaussian ``[n, 3]`` a conformer starts from.

    A function of ``(seed, molecule, conformer)`` only, so ODE samples do not depend on how
    conformers are packed into batches (SDE samples still draw per-step noise per pack).
    """
    generator = unit_generator(seed, molecule, conformer)
    x = torch.randn(num_atoms, 3, generator=generator)
    return x - x.mean(0)


class PackedRun:
    """Conformers for several requests, packed across them; iterate for ``(request, record)``.

    Records of one request come in its order (molecule by molecule, conformer by conformer).
    A conformer whose stereo still disagrees with its input after the mirror fix is sampled
    again from a new prior draw, up to ``stereo_retries`` times (the last try is kept).
    ``progress`` and ``cancelled`` work per request, as in :class:`service.packing.Packer`.
    """

    def __init__(
        self,
        model: LoadedConformerModel,
        requests: Sequence[ConformerRequest],
        *,
        max_atoms: int | None = None,
        stereo_retries: int = STEREO_RETRIES,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[int], bool] | None = None,
    ) -> None:
        if len({(request.job.sampling, request.job.start) for request in requests}) > 1:
            raise ValueError("packed requests must share one sampler setting and start")
        self._domain_notes: dict[tuple[int, int], list[str]] = {}
        self.model, self.requests, self.stereo_retries = model, requests, stereo_retries
        self._starts: dict[tuple[int, int], np.ndarray | None] = {}
        self._interpolant = Interpolant()  # the one sample_conformers integrates under
        device = next(model.net.parameters()).device.type
        self._packer = Packer(
            self._units(),
            self._sample_pack,
            max_atoms or MAX_ATOMS.get(device, MAX_ATOMS["cpu"]),
            progress,
            cancelled,
        )

    @property
    def cancelled_requests(self) -> set[int]:
        """Requests that were dropped because they were cancelled."""
        return self._packer.cancelled_requests

    def _units(self) -> Iterator[_Unit]:
        for r, request in enumerate(self.requests):
            for molecule in request.molecules:
                if molecule.error is None:
                    for k in range(request.job.num_conformers):
                        yield _Unit(r, molecule, k)

    def _etkdg_start(self, unit: _Unit) -> torch.Tensor:
        """The unit's ETKDGv3 conformer, centred (all of a molecule's embedded at once)."""
        key = (unit.request, unit.molecule.index)
        if key not in self._starts:
            job = self.requests[unit.request].job
            seed = job.seed * 1_000_003 + unit.molecule.index
            self._starts[key] = embed_conformers(
                unit.molecule.mol, job.num_conformers, seed, threads=0
            )
        starts = self._starts[key]
        if starts is None:  # ETKDG failed: the model starts from the prior alone
            return torch.zeros(unit.molecule.graph.num_atoms, 3)
        x = torch.from_numpy(starts[unit.k % len(starts)]).float()
        return x - x.mean(0)

    def _start(self, unit: _Unit, attempt: int) -> torch.Tensor:
        """``x_{t_s}``: the prior draw, mixed with the ETKDG conformer for an ETKDG start."""
        job = self.requests[unit.request].job
        x0 = prior_draw(
            unit.molecule.graph.num_atoms, job.seed, unit.molecule.index,
            unit.k + attempt * RETRY_OFFSET,
        )  # fmt: skip
        if job.start == "noise":
            return x0
        t = torch.tensor(job.sampling.start_time)
        return self._interpolant.interpolate(x0, self._etkdg_start(unit), t)

    def _sample(
        self, pack: list[_Unit], attempt: int, cancelled: Callable[[], bool]
    ) -> list[tuple[np.ndarray, int]]:
        """Mirror-fixed coordinates and matched stereo-label counts for every unit."""
        model = self.model
        device = next(model.net.parameters()).device
        x0 = torch.cat([self._start(u, attempt) for u in pack])
        batch = Batch.from_data_list(
            [
                Data(atoms=g.atoms, pairs=g.pairs, num_nodes=g.num_atoms)
                for g in (u.molecule.graph for u in pack)
            ]
        ).to(device)
        first = pack[0]
        job = self.requests[first.request].job
        coords = sample_conformers(
            model.net,
            batch,
            model.treatment,
            job.sampling,
            seed=job.seed + first.molecule.index * 1009 + first.k + attempt,  # SDE noise only
            cancelled=cancelled,
            x0=x0.to(device),
        )
        per_graph = coords.detach().cpu().double().split(batch.ptr.diff().tolist())
        return [
            match_reflection(u.molecule.mol, x.numpy())
            for u, x in zip(pack, per_graph, strict=True)
        ]

    def _sample_pack(
        self, pack: list[_Unit], cancelled: Callable[[], bool]
    ) -> list[tuple[np.ndarray, int]]:
        """A pack's conformers: sampled, stereo mismatches sampled again, relaxed if asked."""
        results = self._sample(pack, 0, cancelled)
        for attempt in range(1, self.stereo_retries + 1):
            wrong = [
                i for i, (u, (_, matched)) in enumerate(zip(pack, results, strict=True))
                if matched < len(stereo_labels(u.molecule.mol))
            ]  # fmt: skip
            if not wrong:
                break
            again = self._sample([pack[i] for i in wrong], attempt, cancelled)
            for i, result in zip(wrong, again, strict=True):
                results[i] = result
        return self._relaxed(pack, results)

    def _relaxed(
        self, pack: list[_Unit], results: list[tuple[np.ndarray, int]]
    ) -> list[tuple[np.ndarray, int]]:
        """Conformers whose request asks for it relaxed, a molecule's together."""
        molecules: dict[tuple[int, int], list[int]] = {}
        for i, unit in enumerate(pack):
            if self.requests[unit.request].job.relax != "none":
                molecules.setdefault((unit.request, unit.molecule.index), []).append(i)
        for (request, _), rows in molecules.items():
            coords = np.stack([results[i][0] for i in rows])
            job = self.requests[request].job
            relaxed = relax_conformers(pack[rows[0]].molecule.mol, coords, job.relax)
            for i, x in zip(rows, relaxed, strict=True):
                results[i] = (x, results[i][1])
        return results

    def __iter__(self) -> Iterator[tuple[int, ConformerRecord]]:
        for unit, (coords, matched) in self._packer:
            yield unit.request, self._record(unit, coords, matched)

    def _notes(self, unit: _Unit) -> list[str]:
        key = (unit.request, unit.molecule.index)
        if key not in self._domain_notes:
            self._domain_notes[key] = domain_notes(unit.molecule.mol, self.model.domain)
        return self._domain_notes[key]

    def _record(self, unit: _Unit, coords: np.ndarray, matched: int) -> ConformerRecord:
        molecule, job = unit.molecule, self.requests[unit.request].job
        notes = self._notes(unit)
        extra: dict[str, str | int | float] = {"in_domain": int(not notes)}
        if notes:
            extra["domain_notes"] = "; ".join(notes)
        extra.update(relaxation_properties(molecule.mol, coords, job.relax))
        if job.checks:
            extra.update(conformer_checks(molecule.mol, coords))
        return ConformerRecord(
            molecule.mol,
            coords,
            {
                "name": molecule.name,
                "source_smiles": molecule.smiles,
                "conformer_index": unit.k,
                "seed": job.seed,
                "treatment": self.model.treatment,
                "sampler": job.sampling.sampler,
                "num_steps": job.sampling.num_steps,
                "start": job.start,
                "start_time": job.sampling.start_time,
                "relax": job.relax,
                "stereo_matched": f"{matched}/{len(stereo_labels(molecule.mol))}",
                "checkpoint": self.model.path.name,
                **extra,
            },
        )


def generate_conformers(
    model: LoadedConformerModel,
    molecules: Sequence[InputMolecule],
    job: ConformerJob,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    max_atoms: int | None = None,
) -> Iterator[ConformerRecord]:
    """Conformers of every usable molecule (those with ``error`` set are skipped), in order.

    One request of a :class:`PackedRun`; raises :class:`SamplingCancelled` when cancelled.
    """
    run = PackedRun(
        model,
        [ConformerRequest(molecules, job)],
        max_atoms=max_atoms,
        progress=None if progress is None else lambda _, n: progress(n),
        cancelled=None if cancelled is None else lambda _: cancelled(),
    )
    for _, record in run:
        yield record
    if run.cancelled_requests:
        raise SamplingCancelled


def sample_count(molecules: Sequence[InputMolecule], job: ConformerJob) -> int:
    """How many conformers :func:`generate_conformers` will yield."""
    return job.num_conformers * sum(m.error is None for m in molecules)
