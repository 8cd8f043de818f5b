"""``qsdiff train backbones``: train (or resume) a C-alpha backbone checkpoint.

Trains on random crops of the chains in ``--data`` (default: ``proteins/train_large.npz``,
1,049 chains de-duplicated at 40 % identity; ``train.npz``, any npz of that layout, such as a
CATH or AFDB export packed by ``qsdiff pack-backbones``, or a folder of PDB / mmCIF files, works
the same, and ``--device cuda`` trains on a GPU). One chain in twenty is held out for
validation (:func:`~service.backbones.data.is_validation_chain`). Every ``--val-every`` steps it
logs the EMA network's loss on held-out crops and the C-alpha spacing and P-SEA secondary
structure of a few backbones sampled for plans of the plan model, then saves (see
:func:`service.training.loop.train_until`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch

from chem.proteins import load_backbones
from chem.secondary_structure import psea
from models.interpolant import Interpolant
from models.networks.backbone_net import BackboneNet, BackboneNetConfig
from models.samplers import SamplingConfig
from models.ss_plan import SegmentPlanModel
from models.tasks.backbone import local_geometry_loss, sample_backbones
from models.training import Trainer
from service.backbones.data import (
    BackboneCrops,
    backbone_data,
    chain_secondary_structure,
    is_validation_chain,
    ss_classes,
)
from service.config import Settings
from service.training.checkpoint_files import save_atomically, update_model_card
from service.training.loop import load_resumable, resumed_or_new_config, train_until
from service.training.options import InvalidTrainingOption, OptimiserDefaults, TrainingRun

__all__ = ["BackboneTrainingRun", "train_backbones"]

logger = logging.getLogger(__name__)

VALIDATION_SAMPLING = SamplingConfig("ode", 50)
VALIDATION_BATCH_SIZE = 16
"""Validation crops per batch (4 batches): fixed, so that ``val_loss`` stays comparable when a
resumed run changes ``--batch-size``."""
VALIDATION_LENGTH = 100


@dataclass(frozen=True, kw_only=True)
class BackboneTrainingRun(TrainingRun):
    """``qsdiff train backbones``: the shared options, the chains and their crops.

    ``data`` None: the shipped ``proteins/train_large.npz``; chains shorter than ``min_length``
    are left out. ``self_conditioning`` and ``ss_conditioning`` shape a new network; a resumed
    one keeps its own.
    """

    NEW_MODEL: ClassVar[OptimiserDefaults] = OptimiserDefaults(
        lr=5e-4, batch_size=16, weight_floor=0.01, auxiliary_weight=1.0
    )

    hidden: int = 128
    layers: int = 4
    val_every: int = 500
    data: Path | None = None
    min_length: int = 32
    max_length: int = 128
    val_samples: int = 8
    self_conditioning: bool = False
    ss_conditioning: bool = False

    def __post_init__(self) -> None:
        if self.max_length < self.min_length:
            raise InvalidTrainingOption(
                "max_length", f"{self.max_length} is below --min-length ({self.min_length})"
            )


def train_backbones(run: BackboneTrainingRun, settings: Settings) -> Path:
    """Train until ``run.steps`` (resuming when the checkpoint exists); returns the checkpoint."""
    torch.manual_seed(run.seed)
    path = run.checkpoint or settings.checkpoint_dir / f"backbone-{run.treatment}.pt"
    data = run.data or settings.data_dir / "proteins" / "train_large.npz"
    try:
        every_chain = load_backbones(data, min_length=run.min_length)
    except ValueError as e:
        raise InvalidTrainingOption("data", str(e)) from None
    letters = chain_secondary_structure(every_chain, settings.cache_dir)
    held_out = [is_validation_chain(chain.name) for chain in every_chain]
    if all(held_out) or not any(held_out):
        logger.warning(
            "%s: too few chains to hold some out; validating on the training chains", data
        )
        held_out = [False] * len(every_chain)
    chains = [c for c, out in zip(every_chain, held_out, strict=True) if not out]
    chain_ss = [s for s, out in zip(letters, held_out, strict=True) if not out]
    val_chains = [c for c, out in zip(every_chain, held_out, strict=True) if out] or chains
    val_ss = [s for s, out in zip(letters, held_out, strict=True) if out] or chain_ss
    plans = SegmentPlanModel.fit(chain_ss)
    state = load_resumable(path, run.device, run.treatment)
    if state is not None:
        net_config = BackboneNetConfig(**state["net_config"])
        for option in ("self_conditioning", "ss_conditioning"):
            if getattr(run, option) and not getattr(net_config, option):
                raise InvalidTrainingOption(
                    option, f"{path} was trained without it; train a new checkpoint"
                )
    else:
        net_config = BackboneNetConfig(
            hidden=run.hidden,
            layers=run.layers,
            self_conditioning=run.self_conditioning,
            ss_conditioning=run.ss_conditioning,
        )
    train_config = resumed_or_new_config(run, state)
    trainer = Trainer(
        BackboneNet(net_config).to(run.device),
        train_config,
        Interpolant(),
        data=backbone_data,
        auxiliary=local_geometry_loss,
    )
    trainer.ema.to(run.device)
    history: list[dict] = state.get("history", []) if state is not None else []
    if state is not None:
        trainer.load_state_dict(state)

    crops = BackboneCrops(chains, run.min_length, run.max_length, ss=chain_ss)
    valid = BackboneCrops(val_chains, run.min_length, run.max_length, ss=val_ss)
    fixed = np.random.default_rng(1)
    val_batches = [valid.random(VALIDATION_BATCH_SIZE, fixed) for _ in range(4)]
    val_plans = [plans.sample(VALIDATION_LENGTH, fixed) for _ in range(run.val_samples)]
    rng = np.random.default_rng(run.seed + trainer.steps)

    def batches():
        while True:
            yield crops.random(train_config.batch_size, rng).to(run.device)

    def validate() -> dict:
        planned = "".join(val_plans)
        samples = sample_backbones(
            trainer.ema,
            [VALIDATION_LENGTH] * run.val_samples,
            train_config.treatment,
            VALIDATION_SAMPLING,
            seed=0,
            ss=ss_classes(planned) if net_config.ss_conditioning else None,
        )
        cas = [s.double().numpy() for s in samples]
        spacing = float(np.mean([np.linalg.norm(np.diff(ca, axis=0), axis=1).mean() for ca in cas]))
        found = "".join(psea(ca) for ca in cas)
        return {
            "val_loss": trainer.validation_loss([b.to(run.device) for b in val_batches]),
            "ca_distance": spacing,
            "helix": found.count("H") / len(found),
            "strand": found.count("E") / len(found),
            "plan_helix": planned.count("H") / len(planned),
            "plan_strand": planned.count("E") / len(planned),
            "plan_agreement": float(np.mean([a == b for a, b in zip(found, planned, strict=True)])),
        }

    pooled = "".join(chain_ss)
    plans_summary = {
        "helix": pooled.count("H") / len(pooled),
        "strand": pooled.count("E") / len(pooled),
    }

    def save() -> None:
        update_model_card(
            path,
            "training",
            {
                "task": "backbone",
                "treatment": train_config.treatment,
                "steps": trainer.steps,
                "batch_size": train_config.batch_size,
                "lr": train_config.lr,
                "weight_floor": train_config.weight_floor,
                "local_geometry_weight": train_config.auxiliary_weight,
                "network": net_config.to_dict(),
                "data": {
                    "file": str(
                        data.relative_to(settings.data_dir)
                        if data.is_relative_to(settings.data_dir)
                        else data
                    ),
                    "chains": len(every_chain),
                    "residues": sum(len(c) for c in every_chain),
                    "training_chains": len(chains),
                    "validation_chains": len(val_chains) if any(held_out) else 0,
                    "split": "one chain in 20 held out by a hash of its id; the set is "
                    "de-duplicated at 40 % identity, so each chain is its own sequence cluster",
                    "psea_helix_strand": plans_summary,
                },
                "crops": [run.min_length, run.max_length],
                "device": run.device,
                "validation": {
                    "data": "held-out chains' crops (loss, with their P-SEA letters); "
                    f"{run.val_samples} length-{VALIDATION_LENGTH} backbones sampled for plans "
                    "of the plan model (50 ODE steps)",
                    "history": history,
                },
                # the steps reached, not the run's target; each step's lr is in the history
                "command": f"qsdiff train backbones --treatment {train_config.treatment} "
                f"--steps {trainer.steps}",
            },
        )
        save_atomically(
            {
                **trainer.state_dict(),
                "task": "backbone",
                "net_config": net_config.to_dict(),
                "ss_plan": plans.to_dict(),
                "history": history,
            },
            path,
        )

    train_until(
        trainer,
        batches(),
        steps=run.steps,
        val_every=run.val_every,
        validate=validate,
        save=save,
        history=history,
        log_path=path.with_name(path.stem + ".log.jsonl"),
        desc=f"train backbones {run.treatment}",
    )
    return path
