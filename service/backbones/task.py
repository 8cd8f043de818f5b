"""The ``backbones`` task: protein backbones of a given length, PDB and mmCIF out."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from chem.proteins import backbones_text
from models.samplers import SamplingConfig
from models.tasks.backbone import DEFAULT_GAMMA
from service.backbones.generate import BackboneRequest, GeneratedBackbone, PackedBackbones
from service.limits import MAX_SEED
from service.registry import ModelRegistry
from service.task import (
    InvalidTaskInput,
    TaskOutput,
    TaskRun,
    unshipped_treatment,
    write_or_keep,
)

__all__ = [
    "MAX_BACKBONES",
    "MAX_GAMMA",
    "MAX_LENGTH",
    "MAX_STEPS",
    "BackboneParams",
    "BackboneTask",
    "backbone_remarks",
]

MAX_LENGTH = 512
MAX_BACKBONES = 1000
MAX_STEPS = 1000
MAX_GAMMA = 10.0


class BackboneParams(BaseModel):
    """Parameters of a backbone request (sync route and jobs alike)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"length": 100, "num_samples": 2, "seed": 1}]},
    )

    length: int = Field(ge=8, le=MAX_LENGTH, description="residues per backbone")
    num_samples: int = Field(1, ge=1, le=MAX_BACKBONES, description="backbones to generate")
    seed: int = Field(0, ge=0, le=MAX_SEED)
    treatment: Literal["quotient", "equivariant", "geodiff", "af3"] = "quotient"
    sampler: Literal["ode", "sde"] = "ode"
    num_steps: int = Field(100, ge=1, le=MAX_STEPS)
    gamma: float = Field(
        DEFAULT_GAMMA,
        ge=0.0,
        le=MAX_GAMMA,
        description="noise scale of the sde sampler: 1 samples the model's distribution, "
        "lower values a lower temperature (Proteina's gamma)",
    )


def backbone_remarks(params: BackboneParams, backbones: list[GeneratedBackbone]) -> list[str]:
    """File remarks: the request's settings and each chain's metrics."""
    lines = [
        f"qsdiff backbones treatment={params.treatment} sampler={params.sampler} "
        f"num_steps={params.num_steps} gamma={params.gamma} seed={params.seed}"
    ]
    for chain, b in enumerate(backbones):
        p = b.properties
        lines.append(
            f"chain {chain} index={p['index']} ca_distance={p['mean_ca_distance']} "
            f"clashes={p['clashes']} rg={p['radius_of_gyration']} helix={p['helix']} "
            f"strand={p['strand']}"
        )
    return lines


class BackboneTask:
    """A length in; all-GLY N/CA/C/O backbones as PDB and mmCIF, and a manifest, out."""

    name: ClassVar[str] = "backbones"
    params_model: ClassVar[type[BaseModel]] = BackboneParams
    files: ClassVar[dict[str, str]] = {
        "pdb": "backbones.pdb",
        "cif": "backbones.cif",
        "json": "manifest.json",
    }

    def check(self, params: BackboneParams, registry: ModelRegistry) -> int:
        """The treatment must be shipped."""
        if unshipped := unshipped_treatment(registry, "backbone", params.treatment, "backbone"):
            raise InvalidTaskInput([unshipped])
        return params.num_samples

    def cost(self, params: BackboneParams, registry: ModelRegistry) -> int:  # noqa: ARG002 (protocol)
        """Work units: residues x backbones x sampler steps."""
        return params.length * params.num_samples * params.num_steps

    def batch_key(self, params: BackboneParams) -> str:
        """One model and one sampler setting per batch."""
        return f"{self.name}/{params.treatment}/{params.sampler}/{params.num_steps}/{params.gamma}"

    def run(self, runs: Sequence[TaskRun], registry: ModelRegistry) -> list[TaskOutput | None]:
        """Each run's ``backbones.pdb``, ``backbones.cif`` and ``manifest.json``.

        Written into its ``out_dir``, or kept in memory where that is None (:class:`TaskRun`).
        """
        if len({self.batch_key(run.params) for run in runs}) != 1:
            raise ValueError("a batch needs one treatment and sampler setting")
        first = runs[0].params
        model = registry.get("backbone", first.treatment)
        sampling = SamplingConfig(first.sampler, first.num_steps, gamma=first.gamma)
        requests = [
            BackboneRequest(run.params.num_samples, run.params.length, sampling, run.params.seed)
            for run in runs
        ]
        packed = PackedBackbones(
            model,
            requests,
            progress=lambda i, n: runs[i].progress(n),
            cancelled=lambda i: runs[i].cancelled(),
        )
        found: list[list[GeneratedBackbone]] = [[] for _ in runs]
        for i, backbone in packed:
            found[i].append(backbone)
        outputs: list[TaskOutput | None] = []
        for i, run in enumerate(runs):
            cancelled = i in packed.cancelled_requests
            if cancelled and (run.out_dir is None or not found[i]):
                outputs.append(None)
                continue  # else its folder keeps what it finished
            remarks = backbone_remarks(run.params, found[i])
            chains = [b.backbone for b in found[i]]
            manifest = {
                "task": self.name,
                "params": run.params.model_dump(),
                "samples": [b.properties for b in found[i]],
            }
            contents = {fmt: backbones_text(chains, fmt, remarks) for fmt in ("pdb", "cif")}
            contents["json"] = json.dumps(manifest, indent=1)
            output = write_or_keep(run.out_dir, self.files, contents, manifest)
            outputs.append(None if cancelled else output)
        return outputs
