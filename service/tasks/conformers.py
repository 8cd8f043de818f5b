"""The ``conformers`` task: 3-D conformer ensembles for a list of SMILES."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from chem.molecules import InputMolecule, read_smiles, write_sdf
from models.tasks.conformer import SamplingConfig
from service.conformers import ConformerJob, generate_conformers
from service.registry import ModelRegistry
from service.tasks.base import InvalidTaskInput, TaskOutput

__all__ = ["ConformerParams", "ConformerTask"]


class ConformerParams(BaseModel):
    """Parameters of a conformer request (sync route and jobs alike)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"smiles": ["CCO", "C[C@H](N)C(=O)O"], "num_samples": 3}]},
    )

    smiles: list[str] = Field(min_length=1, max_length=10_000, description="input molecules")
    num_samples: int = Field(5, ge=1, le=100, description="conformers per molecule")
    seed: int = Field(0, ge=0, le=2**31 - 1)
    treatment: Literal["quotient", "equivariant", "geodiff", "af3"] = "quotient"
    sampler: Literal["ode", "sde"] = "ode"
    num_steps: int = Field(20, ge=1, le=200)


class ConformerTask:
    """SMILES in; SDF (``sdf``) and a manifest (``json``) out."""

    name: ClassVar[str] = "conformers"
    params_model: ClassVar[type[BaseModel]] = ConformerParams
    formats: ClassVar[tuple[str, ...]] = ("sdf", "json")

    @staticmethod
    def _molecules(params: ConformerParams) -> list[InputMolecule]:
        return read_smiles(params.smiles)

    def check(self, params: ConformerParams, registry: ModelRegistry) -> int:
        """Every SMILES must parse and featurize; the treatment must be shipped."""
        errors = [
            {"loc": ["smiles", m.index], "msg": m.error}
            for m in self._molecules(params)
            if m.error is not None
        ]
        if params.treatment not in registry.treatments("conformer"):
            shipped = registry.treatments("conformer")
            errors.append(
                {
                    "loc": ["treatment"],
                    "msg": f"no checkpoint for {params.treatment!r}; shipped: {shipped}",
                }
            )
        if errors:
            raise InvalidTaskInput(errors)
        return len(params.smiles) * params.num_samples

    def run(
        self,
        params: ConformerParams,
        registry: ModelRegistry,
        out_dir: Path,
        progress: Callable[[int], None],
        cancelled: Callable[[], bool],
    ) -> TaskOutput:
        """Write ``conformers.sdf`` and ``manifest.json`` into ``out_dir``."""
        model = registry.get("conformer", params.treatment)
        job = ConformerJob(
            params.num_samples, SamplingConfig(params.sampler, params.num_steps), params.seed
        )
        samples: list[dict] = []

        def records():
            for record in generate_conformers(
                model, self._molecules(params), job, progress, cancelled
            ):
                samples.append(dict(record.properties))
                yield record

        write_sdf(records(), out_dir / "conformers.sdf")
        manifest = {"task": self.name, "params": params.model_dump(), "samples": samples}
        (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1))
        return TaskOutput({"sdf": "conformers.sdf", "json": "manifest.json"}, manifest)
