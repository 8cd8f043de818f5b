"""The ``molecules`` task: de novo QM9-like molecules, graph first, then 3-D coordinates."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from chem.generated import GeneratedMolecule, molecule_texts
from chem.smiles_tokens import read_fragment
from service.checkpoints import LoadedGraphModel
from service.conformers.generate import ConformerJob
from service.conformers.relax import Relax
from service.conformers.task import ConformerSampling
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

GRAPH_MODEL = ("molecule", "graph")
"""The registry's task and "treatment" of the graph model (``molecule-graph.pt``)."""
ATOMS_PER_HEAVY_ATOM = 3
"""Atoms (hydrogens included) a heavy atom brings at most, for the cost bound."""


class MoleculeParams(ConformerSampling):
    """Parameters of a de novo molecule request (sync route and jobs alike)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"num_samples": 4, "seed": 1}, {"num_samples": 2, "num_heavy_atoms": 7}]
        },
    )

    num_samples: int = Field(10, ge=1, le=10_000, description="molecules to generate")
    num_heavy_atoms: int | None = Field(
        None,
        ge=1,
        description="heavy atoms per molecule (default: drawn from QM9's sizes); at most the "
        "largest the graph model was trained on",
    )
    seed: int = Field(0, ge=0, le=MAX_SEED)
    treatment: Literal["quotient", "equivariant", "geodiff", "af3"] = Field(
        "quotient", description="the conformer model that places the atoms"
    )
    relax: Relax = Field("mmff-local", description="relaxation of the placed atoms")
    temperature: float = Field(
        1.0, gt=0.0, le=2.0, description="graph sampling temperature (lower: more typical)"
    )
    max_attempts: int = Field(
        5,
        ge=1,
        le=50,
        description="graph draws per molecule until one reads as a molecule of its size (and "
        "holds the scaffold)",
    )
    scaffold: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="a fragment (SMILES) every molecule must contain: graphs without it are "
        "drawn again, up to max_attempts; each record says whether it holds it",
    )


class MoleculeTask:
    """Sizes in; SDF (molecules with coordinates and their checks) and a manifest out."""

    name: ClassVar[str] = "molecules"
    params_model: ClassVar[type[BaseModel]] = MoleculeParams
    files: ClassVar[dict[str, str]] = {"sdf": "molecules.sdf", "json": "manifest.json"}

    def check(self, params: MoleculeParams, registry: ModelRegistry) -> int:
        """Both models must be shipped and the size within what the graph model knows."""
        errors = [
            error
            for error in (
                unshipped_treatment(registry, "conformer", params.treatment, "QM9 conformer"),
                unshipped_treatment(registry, *GRAPH_MODEL, "de novo graph"),
            )
            if error is not None
        ]
        if errors:
            raise InvalidTaskInput(errors)
        graph_model = self._graph_model(registry)
        largest = graph_model.max_heavy_atoms
        if params.num_heavy_atoms is not None and params.num_heavy_atoms > largest:
            msg = f"{params.num_heavy_atoms} heavy atoms; the model knows at most {largest}"
            raise InvalidTaskInput([{"loc": ["num_heavy_atoms"], "msg": msg}])
        try:
            self.request(params, graph_model)
        except ValueError as error:
            raise InvalidTaskInput([{"loc": ["scaffold"], "msg": str(error)}]) from None
        return params.num_samples

    @staticmethod
    def _graph_model(registry: ModelRegistry) -> LoadedGraphModel:
        return cast(LoadedGraphModel, registry.get(*GRAPH_MODEL))

    def cost(self, params: MoleculeParams, registry: ModelRegistry) -> int:
        """Work units: atoms x molecules x sampler steps (atoms bounded from the heavy atoms)."""
        heavy = params.num_heavy_atoms or self._graph_model(registry).max_heavy_atoms
        return ATOMS_PER_HEAVY_ATOM * heavy * params.num_samples * params.num_steps

    def batch_key(self, params: MoleculeParams) -> str:
        """One conformer model and one sampler setting per batch."""
        return f"{self.name}/{params.treatment}/{params.sampler}/{params.num_steps}/{params.start}"

    @staticmethod
    def request(params: MoleculeParams, graph_model: LoadedGraphModel) -> MoleculeRequest:
        """The generator's request for ``params``; ValueError for a scaffold it cannot keep."""
        scaffold = None
        if params.scaffold is not None:
            largest = params.num_heavy_atoms or graph_model.max_heavy_atoms
            scaffold = read_fragment(params.scaffold, graph_model.vocabulary.elements, largest)
        return MoleculeRequest(
            params.num_samples,
            ConformerJob.requested(
                1,
                params.seed,
                sampler=params.sampler,
                num_steps=params.num_steps,
                start=params.start,
                relax=params.relax,
            ),
            params.seed,
            params.num_heavy_atoms,
            params.temperature,
            params.max_attempts,
            scaffold,
        )

    def run(self, runs: Sequence[TaskRun], registry: ModelRegistry) -> list[TaskOutput | None]:
        """Each run's ``molecules.sdf`` and ``manifest.json``.

        Written into its ``out_dir``, or kept in memory where that is None (:class:`TaskRun`).
        """
        if len({self.batch_key(run.params) for run in runs}) != 1:
            raise ValueError("a batch needs one treatment and sampler setting")
        graph_model = self._graph_model(registry)
        packed = PackedMolecules(
            graph_model,
            registry.get("conformer", runs[0].params.treatment),
            [self.request(run.params, graph_model) for run in runs],
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
                "not_molecules": texts.failed,
                "samples": [m.properties for m in molecules[i]],
            }
            contents = {"sdf": texts.sdf, "json": json.dumps(manifest, indent=1)}
            output = write_or_keep(run.out_dir, self.files, contents, manifest)
            outputs.append(None if cancelled else output)
        return outputs
