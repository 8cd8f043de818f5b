"""The ``molecules`` task: de novo 3-D molecules (QM9-like) with EDM's per-molecule metrics."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from chem.generated import GeneratedMolecule, molecule_texts
from models.samplers import SamplingConfig
from service.limits import MAX_SEED
from service.molecules.generate import MoleculeRequest, PackedMolecules
from service.registry import ModelRegistry
from service.task import (
    InvalidTaskInput,
    TaskOutput,
    TaskRun,
    unshipped_treatment,
    write_or_keep,
)

__all__ = ["MoleculeParams", "MoleculeTask"]


class MoleculeParams(BaseModel):
    """Parameters of a de novo molecule request (sync route and jobs alike)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"num_samples": 4, "seed": 1}, {"num_samples": 2, "num_atoms": 12}]
        },
    )

    num_samples: int = Field(10, ge=1, le=10_000, description="molecules to generate")
    num_atoms: int | None = Field(
        None, ge=1, description="atoms per molecule (default: drawn from the training sizes)"
    )
    seed: int = Field(0, ge=0, le=MAX_SEED)
    treatment: Literal["quotient", "equivariant", "geodiff", "af3"] = "quotient"
    sampler: Literal["ode", "sde"] = "ode"
    num_steps: int = Field(50, ge=1, le=1000)


class MoleculeTask:
    """Sizes in; SDF (molecules with bonds), XYZ (flagged ones) and a manifest out."""

    name: ClassVar[str] = "molecules"
    params_model: ClassVar[type[BaseModel]] = MoleculeParams
    files: ClassVar[dict[str, str]] = {
        "sdf": "molecules.sdf",
        "xyz": "molecules.xyz",
        "json": "manifest.json",
    }

    def check(self, params: MoleculeParams, registry: ModelRegistry) -> int:
        """The treatment must be shipped and the size within what it was trained on."""
        if unshipped := unshipped_treatment(registry, "molecule", params.treatment, "molecule"):
            raise InvalidTaskInput([unshipped])
        if params.num_atoms is not None:
            largest = len(registry.get("molecule", params.treatment).size_histogram) - 1
            if params.num_atoms > largest:
                msg = f"{params.num_atoms} atoms; the model was trained on at most {largest}"
                raise InvalidTaskInput([{"loc": ["num_atoms"], "msg": msg}])
        return params.num_samples

    def cost(self, params: MoleculeParams, registry: ModelRegistry) -> int:
        """Work units: atoms x molecules x sampler steps.

        Atoms: ``num_atoms``, or else the most the model was trained on (sizes are drawn).
        """
        atoms = params.num_atoms
        if atoms is None:
            atoms = len(registry.get("molecule", params.treatment).size_histogram) - 1
        return atoms * params.num_samples * params.num_steps

    def batch_key(self, params: MoleculeParams) -> str:
        """One model and one sampler setting per batch."""
        return f"{self.name}/{params.treatment}/{params.sampler}/{params.num_steps}"

    def run(self, runs: Sequence[TaskRun], registry: ModelRegistry) -> list[TaskOutput | None]:
        """Each run's ``molecules.sdf``, ``molecules.xyz`` (if needed) and ``manifest.json``.

        Written into its ``out_dir``, or kept in memory where that is None (:class:`TaskRun`).
        """
        if len({self.batch_key(run.params) for run in runs}) != 1:
            raise ValueError("a batch needs one treatment and sampler setting")
        model = registry.get("molecule", runs[0].params.treatment)
        requests = [
            MoleculeRequest(
                run.params.num_samples,
                SamplingConfig(run.params.sampler, run.params.num_steps),
                run.params.seed,
                run.params.num_atoms,
            )
            for run in runs
        ]
        packed = PackedMolecules(
            model,
            requests,
            progress=lambda i, n: runs[i].progress(n),
            cancelled=lambda i: runs[i].cancelled(),
        )
        molecules: list[list[GeneratedMolecule]] = [[] for _ in runs]
        for i, molecule in packed:
            molecules[i].append(molecule)
        outputs: list[TaskOutput | None] = []
        for i, run in enumerate(runs):
            cancelled = i in packed.cancelled_requests
            if cancelled and (run.out_dir is None or not molecules[i]):
                outputs.append(None)
                continue  # else its folder keeps what it finished
            texts = molecule_texts(molecules[i])
            manifest = {
                "task": self.name,
                "params": run.params.model_dump(),
                "in_sdf": texts.in_sdf,
                "in_xyz": texts.in_xyz,
                "samples": [m.properties for m in molecules[i]],
            }
            contents = {"sdf": texts.sdf, "json": json.dumps(manifest, indent=1)}
            if texts.in_xyz:
                contents["xyz"] = texts.xyz
            output = write_or_keep(run.out_dir, self.files, contents, manifest)
            outputs.append(None if cancelled else output)
        return outputs
