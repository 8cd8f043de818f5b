"""The ``conformers`` task: 3-D conformer ensembles for a list of SMILES."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator
from rdkit import Chem

from chem.molecules import InputMolecule, conformer_mol, read_smiles
from service.conformers.generate import (
    ETKDG_START_STEPS,
    NOISE_START_STEPS,
    ConformerJob,
    ConformerRequest,
    PackedRun,
    checkpoint_task,
    default_steps,
)
from service.conformers.relax import Relax
from service.limits import MAX_SEED
from service.registry import ModelRegistry
from service.task import InvalidTaskInput, TaskOutput, TaskRun, unshipped_treatment

__all__ = ["ConformerParams", "ConformerSampling", "ConformerTask"]


class ConformerSampling(BaseModel):
    """How the conformer model places atoms: shared by conformer and de novo molecule requests."""

    sampler: Literal["ode", "sde"] = "ode"
    num_steps: int | None = Field(
        None,
        ge=1,
        le=200,
        description=f"conformer sampler steps (default: {NOISE_START_STEPS} from noise, "
        f"{ETKDG_START_STEPS} from an ETKDG start)",
    )
    start: Literal["noise", "etkdg"] = Field(
        "etkdg", description="start from an ETKDGv3 conformer (partial diffusion), or from noise"
    )

    @model_validator(mode="after")
    def _default_steps(self) -> ConformerSampling:
        """Fill in the step count the chosen start defaults to (stored with the job)."""
        if self.num_steps is None:
            self.num_steps = default_steps(self.start)
        return self


class ConformerParams(ConformerSampling):
    """Parameters of a conformer request (sync route and jobs alike)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"smiles": ["CCO", "C[C@H](N)C(=O)O"], "num_samples": 3}]},
    )

    smiles: list[str] = Field(min_length=1, max_length=10_000, description="input molecules")
    num_samples: int = Field(5, ge=1, le=100, description="conformers per molecule")
    seed: int = Field(0, ge=0, le=MAX_SEED)
    treatment: Literal["quotient", "equivariant", "geodiff", "af3"] = "quotient"
    start_time: float = Field(
        0.5, gt=0.0, lt=1.0, description="where an ETKDG start is noised to (0: noise, 1: data)"
    )
    relax: Relax = Field(
        "mmff-local",
        description="afterwards: MMFF94 locally (bond lengths, angles; the conformation "
        "kept) or to convergence, or GFN2-xTB in implicit water (seconds per conformer; "
        "adds gfn2_energy)",
    )
    model: Literal["qm9", "druglike"] = Field(
        "druglike",
        description="the checkpoint pair fine-tuned on drug-like molecules, or the one on QM9",
    )

    @property
    def checkpoint_task(self) -> str:
        """The registry's task name of the chosen model."""
        return checkpoint_task(self.model)

    _molecules: list[InputMolecule] | None = PrivateAttr(default=None)
    """The SMILES parsed, once per request (by the check, reused by the run)."""

    def job(self) -> ConformerJob:
        """The generation job these parameters ask for."""
        return ConformerJob.requested(
            self.num_samples,
            self.seed,
            sampler=self.sampler,
            num_steps=self.num_steps,
            start=self.start,
            start_time=self.start_time,
            relax=self.relax,
        )


class ConformerTask:
    """SMILES in; SDF (``sdf``) and a manifest (``json``) out."""

    name: ClassVar[str] = "conformers"
    params_model: ClassVar[type[BaseModel]] = ConformerParams
    files: ClassVar[dict[str, str]] = {"sdf": "conformers.sdf", "json": "manifest.json"}

    @staticmethod
    def _molecules(params: ConformerParams) -> list[InputMolecule]:
        """The request's molecules, parsed once per request object."""
        if params._molecules is None:
            params._molecules = read_smiles(params.smiles)
        return params._molecules

    def check(self, params: ConformerParams, registry: ModelRegistry) -> int:
        """Every SMILES must parse and featurize; the treatment must be shipped."""
        errors = [
            {"loc": ["smiles", m.index], "msg": m.error}
            for m in self._molecules(params)
            if m.error is not None
        ]
        model = f"{params.model} conformer"
        if unshipped := unshipped_treatment(
            registry, params.checkpoint_task, params.treatment, model
        ):
            errors.append(unshipped)
        if errors:
            raise InvalidTaskInput(errors)
        return len(params.smiles) * params.num_samples

    def cost(self, params: ConformerParams, registry: ModelRegistry) -> int:  # noqa: ARG002 (protocol)
        """Work units: atoms (hydrogens too) x conformers x sampler steps, over the molecules."""
        atoms = sum(m.graph.num_atoms for m in self._molecules(params) if m.graph is not None)
        return atoms * params.num_samples * params.num_steps

    def batch_key(self, params: ConformerParams) -> str:
        """One model and one sampler setting per batch."""
        job = params.job()
        return f"{self.name}/{params.model}/{params.treatment}/{job.sampling}/{job.start}"

    def run(self, runs: Sequence[TaskRun], registry: ModelRegistry) -> list[TaskOutput | None]:
        """Each run's ``conformers.sdf`` and ``manifest.json``: in its ``out_dir``, or in memory."""
        if len({self.batch_key(run.params) for run in runs}) != 1:
            raise ValueError("a batch needs one treatment and sampler setting")
        model = registry.get(runs[0].params.checkpoint_task, runs[0].params.treatment)
        requests = [ConformerRequest(self._molecules(run.params), run.params.job()) for run in runs]
        packed = PackedRun(
            model,
            requests,
            progress=lambda i, n: runs[i].progress(n),
            cancelled=lambda i: runs[i].cancelled(),
        )
        samples: list[list[dict]] = [[] for _ in runs]
        sinks = [io.StringIO() if run.out_dir is None else None for run in runs]
        with contextlib.ExitStack() as stack:
            writers = []
            for run, sink in zip(runs, sinks, strict=True):
                if sink is None:
                    run.out_dir.mkdir(parents=True, exist_ok=True)
                target = sink if sink is not None else str(run.out_dir / "conformers.sdf")
                writers.append(stack.enter_context(Chem.SDWriter(target)))
            for i, record in packed:
                writers[i].write(conformer_mol(record))
                samples[i].append(dict(record.properties))
        outputs: list[TaskOutput | None] = []
        for i, run in enumerate(runs):  # a cancelled run's folder keeps what it finished
            manifest = {"task": self.name, "params": run.params.model_dump(), "samples": samples[i]}
            text = json.dumps(manifest, indent=1)
            if run.out_dir is None:
                texts = {"sdf": sinks[i].getvalue(), "json": text}
            else:
                (run.out_dir / "manifest.json").write_text(text)
                texts = {}
            cancelled = i in packed.cancelled_requests
            outputs.append(None if cancelled else TaskOutput(dict(self.files), manifest, texts))
        return outputs
