"""The ``backbones`` task: backbones of given lengths and secondary structure, PDB and mmCIF out."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chem.proteins import backbones_text
from chem.secondary_structure import SS_LETTERS
from models.samplers import SamplingConfig
from models.tasks.backbone import (
    DEFAULT_GAMMA,
    DEFAULT_GUIDANCE,
    TIME_EXPONENT,
    backbone_sampling,
)
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
    "DEFAULT_BACKBONE_SAMPLER",
    "MAX_BACKBONES",
    "MAX_GAMMA",
    "MAX_GUIDANCE",
    "MAX_LENGTH",
    "MAX_STEPS",
    "MIN_LENGTH",
    "BackboneParams",
    "BackboneTask",
    "backbone_remarks",
    "backbone_request",
]

MIN_LENGTH = 10
MAX_LENGTH = 512
"""The longest chain the backbone models take (their training chains were cropped to 512)."""
MAX_BACKBONES = 1000
MAX_STEPS = 1000
MAX_GAMMA = 10.0
MAX_GUIDANCE = 10.0
MAX_LENGTHS = 100
DEFAULT_BACKBONE_SAMPLER = "sde"
"""The SDE at noise scale 1: at equal network calls it gave more helix and strand than the ODE
(P-SEA 0.19 vs 0.11 for 800 planned residues of a step-3,500 model, no guidance)."""


class BackboneParams(BaseModel):
    """Parameters of a backbone request (sync route and jobs alike).

    ``length`` or ``lengths`` (``num_samples`` backbones of each); ``secondary_structure`` asks
    for one letter per residue (with ``length`` only).
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"length": 100, "num_samples": 2, "seed": 1},
                {"lengths": [60, 120], "num_samples": 2},
                {"length": 24, "secondary_structure": "LLHHHHHHHHLLLLEEEEELLLLL"},
            ]
        },
    )

    length: int | None = Field(
        None, ge=MIN_LENGTH, le=MAX_LENGTH, description="residues per backbone"
    )
    lengths: list[int] | None = Field(
        None,
        min_length=1,
        max_length=MAX_LENGTHS,
        description="several lengths instead of one: num_samples backbones of each",
    )
    secondary_structure: str | None = Field(
        None,
        description="one letter per residue: H helix, E strand, L loop (P-SEA's classes); "
        "its length is the backbone's",
    )
    plan: Literal["sample", "none"] = Field(
        "sample",
        description="without secondary_structure: draw each backbone's plan from the model's "
        "segment model (sample) or generate without one (none)",
    )
    helix_fraction: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="instead of secondary_structure: draw plans near this helix fraction (with "
        "strand_fraction; one not given is 0). Segments stay natural: 1 asks for an all-alpha "
        "fold, helices between short loops",
    )
    strand_fraction: float | None = Field(
        None, ge=0.0, le=1.0, description="with helix_fraction: the strand fraction of the plans"
    )
    relax: Literal["ca", "none"] = Field(
        "ca",
        description="ca: relax each C-alpha trace to 3.8 A steps and clash-free contacts, "
        "moving it as little as it can (no secondary-structure term); none: as sampled",
    )
    guidance: float = Field(
        DEFAULT_GUIDANCE,
        ge=0.0,
        le=MAX_GUIDANCE,
        description="classifier-free guidance weight of the secondary structure: 1 the "
        "conditional model alone (one network call a step), above 1 follows the letters more "
        "closely (two calls a step)",
    )
    num_samples: int = Field(1, ge=1, le=MAX_BACKBONES, description="backbones to generate")
    seed: int = Field(0, ge=0, le=MAX_SEED)
    treatment: Literal["quotient", "equivariant", "geodiff", "af3"] = "quotient"
    sampler: Literal["ode", "sde"] = DEFAULT_BACKBONE_SAMPLER
    num_steps: int = Field(
        100,
        ge=1,
        le=MAX_STEPS,
        description="sampler steps, finer near the data "
        f"(time grid t_k = 1 - (1 - k/K)^{TIME_EXPONENT:g})",
    )
    gamma: float = Field(
        DEFAULT_GAMMA,
        ge=0.0,
        le=MAX_GAMMA,
        description="noise scale of the sde sampler: 1 samples the model's distribution, "
        "lower values a lower temperature (Proteina's gamma)",
    )

    @model_validator(mode="after")
    def _check_lengths(self) -> BackboneParams:
        """One of ``length`` / ``lengths``, each in range; letters that fit the length."""
        if (self.length is None) == (self.lengths is None):
            raise ValueError("give either length or lengths")
        for length in self.lengths or []:
            if not MIN_LENGTH <= length <= MAX_LENGTH:
                raise ValueError(f"lengths: {length} is outside {MIN_LENGTH}-{MAX_LENGTH} residues")
        if self.secondary_structure is not None:
            letters = self.secondary_structure
            if self.length is None:
                raise ValueError("secondary_structure needs length (one letter per residue)")
            if len(letters) != self.length:
                raise ValueError(
                    f"secondary_structure has {len(letters)} letters for length {self.length}"
                )
            if wrong := sorted(set(letters) - set(SS_LETTERS)):
                named = ", ".join(repr(letter) for letter in wrong)
                raise ValueError(f"secondary_structure: {named} are not among H, E, L")
        if self.fractions is not None:
            if self.secondary_structure is not None:
                raise ValueError("give secondary_structure or helix/strand fractions, not both")
            if self.plan == "none":
                raise ValueError("helix/strand fractions choose plans: they need plan 'sample'")
            if sum(self.fractions) > 1.0:
                raise ValueError(
                    f"helix_fraction + strand_fraction is {sum(self.fractions):g}, over 1"
                )
        return self

    @property
    def fractions(self) -> tuple[float, float] | None:
        """``(helix, strand)`` where either was given (the other is 0), else None."""
        if self.helix_fraction is None and self.strand_fraction is None:
            return None
        return (self.helix_fraction or 0.0, self.strand_fraction or 0.0)

    @property
    def asks_for_letters(self) -> str | None:
        """The field that asks for secondary structure (the model must read it), else None."""
        for field in ("secondary_structure", "helix_fraction", "strand_fraction"):
            if getattr(self, field) is not None:
                return field
        return None

    @property
    def all_lengths(self) -> list[int]:
        """The requested lengths (one entry for ``length``)."""
        return [self.length] if self.length is not None else list(self.lengths or [])


def backbone_remarks(params: BackboneParams, backbones: list[GeneratedBackbone]) -> list[str]:
    """File remarks: the request's settings and each chain's metrics."""
    settings = (
        f"qsdiff backbones treatment={params.treatment} sampler={params.sampler} "
        f"num_steps={params.num_steps} gamma={params.gamma} guidance={params.guidance} "
        f"plan={params.plan} relax={params.relax} seed={params.seed}"
    )
    if params.fractions is not None:
        helix, strand = params.fractions
        settings += f" helix_fraction={helix} strand_fraction={strand}"
    lines = [settings]
    for chain, b in enumerate(backbones):
        p = b.properties
        lines.append(
            f"chain {chain} index={p['index']} length={p['length']} "
            f"ca_distance={p['mean_ca_distance']} clashes={p['clashes']} "
            f"rg={p['radius_of_gyration']} helix={p['helix']} strand={p['strand']}"
        )
        if p["plan"] is not None:
            lines.append(f"chain {chain} plan {p['plan']}")
        lines.append(f"chain {chain} psea {p['secondary_structure']}")
    return lines


def backbone_request(
    params: BackboneParams, length: int, sampling: SamplingConfig, length_index: int = 0
) -> BackboneRequest:
    """The generator's request for ``params``'s backbones of ``length``.

    It is the request's ``length_index``-th length: its chains' indices follow those before it.
    """
    return BackboneRequest(
        params.num_samples,
        length,
        sampling,
        params.seed,
        secondary_structure=params.secondary_structure,
        plan=params.plan,
        fractions=params.fractions,
        guidance=params.guidance,
        relax=params.relax,
        first_index=length_index * params.num_samples,
    )


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
        """The treatment must be shipped; secondary structure needs a model that reads it."""
        if unshipped := unshipped_treatment(registry, "backbone", params.treatment, "backbone"):
            raise InvalidTaskInput([unshipped])
        model = registry.get("backbone", params.treatment)
        if (asked := params.asks_for_letters) and not model.ss_conditioned:
            raise InvalidTaskInput(
                [
                    {
                        "loc": [asked],
                        "msg": f"the {params.treatment} backbone checkpoint is not conditioned "
                        "on secondary structure",
                    }
                ]
            )
        return params.num_samples * len(params.all_lengths)

    def cost(self, params: BackboneParams, registry: ModelRegistry) -> int:  # noqa: ARG002 (protocol)
        """Work units: residues x backbones x sampler steps (x 2 with guidance)."""
        guided = params.guidance != 1.0 and (params.secondary_structure or params.plan == "sample")
        calls = 2 if guided else 1
        return sum(params.all_lengths) * params.num_samples * params.num_steps * calls

    def batch_key(self, params: BackboneParams) -> str:
        """One model, one sampler setting and one guidance weight per batch."""
        return (
            f"{self.name}/{params.treatment}/{params.sampler}/{params.num_steps}/{params.gamma}"
            f"/{params.guidance}"
        )

    def run(self, runs: Sequence[TaskRun], registry: ModelRegistry) -> list[TaskOutput | None]:
        """Each run's ``backbones.pdb``, ``backbones.cif`` and ``manifest.json``.

        Written into its ``out_dir``, or kept in memory where that is None (:class:`TaskRun`).
        """
        if len({self.batch_key(run.params) for run in runs}) != 1:
            raise ValueError("a batch needs one treatment and sampler setting")
        first = runs[0].params
        model = registry.get("backbone", first.treatment)
        sampling = backbone_sampling(first.sampler, first.num_steps, first.gamma)
        requests, owner = [], []  # one request per run and length; owner: its run
        for r, run in enumerate(runs):
            for k, length in enumerate(run.params.all_lengths):
                requests.append(backbone_request(run.params, length, sampling, k))
                owner.append(r)
        packed = PackedBackbones(
            model,
            requests,
            progress=lambda i, n: runs[owner[i]].progress(n),
            cancelled=lambda i: runs[owner[i]].cancelled(),
        )
        found: list[list[GeneratedBackbone]] = [[] for _ in runs]
        for i, backbone in packed:
            found[owner[i]].append(backbone)
        for backbones in found:
            backbones.sort(key=lambda b: b.properties["index"])
        dropped = {owner[i] for i in packed.cancelled_requests}
        outputs: list[TaskOutput | None] = []
        for i, run in enumerate(runs):
            cancelled = i in dropped
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
