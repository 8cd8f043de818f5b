"""Conformer generation for a list of input molecules: packing, sampling, the mirror fix.

Conformers of all molecules are packed into batches of at most ``max_atoms`` atoms, sampled
together, then each one is matched to its input's stereo (:func:`chem.stereo.match_reflection`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch_geometric.data import Batch, Data

from chem.molecules import ConformerRecord, InputMolecule
from chem.stereo import match_reflection, stereo_labels
from models.tasks.conformer import SamplingConfig, sample_conformers
from service.checkpoints import LoadedModel

__all__ = ["ConformerJob", "generate_conformers", "prior_draw", "sample_count"]


@dataclass(frozen=True)
class ConformerJob:
    """What to generate: ``num_conformers`` per molecule with one sampler setting and seed."""

    num_conformers: int
    sampling: SamplingConfig
    seed: int = 0
    max_atoms: int = 4000
    stereo_retries: int = 3


def _packs(
    molecules: list[InputMolecule], job: ConformerJob
) -> Iterator[list[tuple[InputMolecule, int]]]:
    pack: list[tuple[InputMolecule, int]] = []
    atoms = 0
    for molecule in molecules:
        assert molecule.graph is not None
        for k in range(job.num_conformers):
            n = molecule.graph.num_atoms
            if pack and atoms + n > job.max_atoms:
                yield pack
                pack, atoms = [], 0
            pack.append((molecule, k))
            atoms += n
    if pack:
        yield pack


RETRY_OFFSET = 1_000_003  # conformer index shift of a stereo retry's prior draw


def prior_draw(num_atoms: int, seed: int, molecule: int, conformer: int) -> torch.Tensor:
    """The centred Gaussian ``[n, 3]`` a conformer starts from.

    A function of ``(seed, molecule, conformer)`` only, so ODE samples do not depend on how
    conformers are packed into batches (SDE samples still draw per-step noise per pack).
    """
    mixed = (seed * 0x9E3779B1 + molecule * 0x85EBCA77 + conformer * 0xC2B2AE3D) % 2**63
    generator = torch.Generator().manual_seed(mixed)
    x = torch.randn(num_atoms, 3, generator=generator)
    return x - x.mean(0)


def _sample_pack(
    model: LoadedModel,
    pack: list[tuple[InputMolecule, int]],
    job: ConformerJob,
    seed: int,
    attempt: int,
    cancelled: Callable[[], bool] | None,
) -> list[tuple[np.ndarray, int]]:
    """Mirror-fixed coordinates and matched stereo-label counts for every ``(molecule, k)``."""
    device = next(model.net.parameters()).device
    x0 = torch.cat(
        [
            prior_draw(m.graph.num_atoms, job.seed, m.index, k + attempt * RETRY_OFFSET)
            for m, k in pack
        ]
    )
    batch = Batch.from_data_list(
        [
            Data(atoms=m.graph.atoms, pairs=m.graph.pairs, num_nodes=m.graph.num_atoms)
            for m, _ in pack
        ]
    ).to(device)
    coords = sample_conformers(
        model.net,
        batch,
        model.treatment,
        job.sampling,
        seed=seed,
        cancelled=cancelled,
        x0=x0.to(device),
    )
    per_graph = coords.detach().cpu().double().split(batch.ptr.diff().tolist())
    return [match_reflection(m.mol, x.numpy()) for (m, _), x in zip(pack, per_graph, strict=True)]


def generate_conformers(
    model: LoadedModel,
    molecules: list[InputMolecule],
    job: ConformerJob,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[ConformerRecord]:
    """Conformers of every usable molecule (those with ``error`` set are skipped), in order.

    A conformer whose stereo still disagrees with the input after the mirror fix is sampled
    again from a new prior draw, up to ``job.stereo_retries`` times (the last try is kept).
    ``progress(n)`` is called with the number of conformers finished after each pack;
    ``cancelled()`` is asked between sampler steps (see :class:`models.samplers.Sampler`).
    """
    usable = [m for m in molecules if m.error is None]
    for pack_index, pack in enumerate(_packs(usable, job)):
        seed = job.seed + pack_index
        results = _sample_pack(model, pack, job, seed, 0, cancelled)
        for attempt in range(1, job.stereo_retries + 1):
            wrong = [
                i for i, ((m, _), (_, matched)) in enumerate(zip(pack, results, strict=True))
                if matched < len(stereo_labels(m.mol))
            ]  # fmt: skip
            if not wrong:
                break
            again = _sample_pack(model, [pack[i] for i in wrong], job, seed, attempt, cancelled)
            for i, result in zip(wrong, again, strict=True):
                results[i] = result
        for (molecule, k), (coords, matched) in zip(pack, results, strict=True):
            yield ConformerRecord(
                molecule.mol,
                coords,
                {
                    "name": molecule.name,
                    "source_smiles": molecule.smiles,
                    "conformer_index": k,
                    "seed": job.seed,
                    "treatment": model.treatment,
                    "sampler": job.sampling.sampler,
                    "num_steps": job.sampling.num_steps,
                    "stereo_matched": f"{matched}/{len(stereo_labels(molecule.mol))}",
                    "checkpoint": model.path.name,
                },
            )
        if progress is not None:
            progress(len(pack))


def sample_count(molecules: list[InputMolecule], job: ConformerJob) -> int:
    """How many conformers :func:`generate_conformers` will yield."""
    return job.num_conformers * sum(m.error is None for m in molecules)
