"""``qsdiff train backbones``: train (or resume) a C-alpha backbone checkpoint.

Trains on random crops of the chains in ``--data`` (default: the shipped ``train.npz``, about
two hundred chains; any npz of that layout, such as a CATH or AFDB export packed by ``qsdiff
pack-backbones``, or a folder of PDB / mmCIF files, works the same, and ``--device cuda``
trains on a GPU). Every ``--val-every`` steps it logs the EMA network's
validation loss on TS50 crops and the C-alpha spacing and secondary structure of a few sampled
backbones, then saves (see :func:`service.training.loop.train_until`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch

from chem.backbone import rebuild_backbone
from chem.proteins import load_backbone_set, load_backbones
from chem.secondary_structure import dssp, fractions
from models.interpolant import Interpolant
from models.networks.backbone_net import BackboneNet, BackboneNetConfig
from models.samplers import SamplingConfig
from models.tasks.backbone import chain_distance_loss, sample_backbones
from models.training import Trainer
from service.backbones.data import BackboneCrops, backbone_data
from service.config import Settings
from service.training.checkpoint_files import save_atomically, update_model_card
from service.training.loop import load_resumable, resumed_or_new_config, train_until
from service.training.options import InvalidTrainingOption, OptimiserDefaults, TrainingRun

__all__ = ["BackboneTrainingRun", "train_backbones"]

VALIDATION_SAMPLING = SamplingConfig("ode", 50)
VALIDATION_BATCH_SIZE = 16
"""Validation crops per batch (4 batches): fixed, so that ``val_loss`` stays comparable when a
resumed run changes ``--batch-size``."""
VALIDATION_LENGTH = 100


@dataclass(frozen=True, kw_only=True)
class BackboneTrainingRun(TrainingRun):
    """``qsdiff train backbones``: the shared options, the chains and their crops.

    ``data`` None: the shipped ``proteins/train.npz``; chains shorter than ``min_length`` are
    left out. ``self_conditioning`` on a resumed network without it adds the layers (at zero).
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

    def __post_init__(self) -> None:
        if self.max_length < self.min_length:
            raise InvalidTrainingOption(
                "max_length", f"{self.max_length} is below --min-length ({self.min_length})"
            )


def add_self_conditioning(trainer: Trainer, state: dict) -> None:
    """Resume a network trained without self-conditioning as a self-conditioned one.

    Its weights and EMA carry over and the new layers start at zero, so it begins as the
    function it was; the optimiser starts afresh, since it has no moments for the new layers.
    """
    for net, key in ((trainer.net, "net"), (trainer.ema, "ema")):
        missing, unexpected = net.load_state_dict(state[key], strict=False)
        if unexpected or not all("self_condition" in name for name in missing):
            raise InvalidTrainingOption(
                "checkpoint", f"the checkpoint's {key} weights do not fit the backbone network"
            )
    trainer.steps = int(state["steps"])


def train_backbones(run: BackboneTrainingRun, settings: Settings) -> Path:
    """Train until ``run.steps`` (resuming when the checkpoint exists); returns the checkpoint."""
    torch.manual_seed(run.seed)
    path = run.checkpoint or settings.checkpoint_dir / f"backbone-{run.treatment}.pt"
    data = run.data or settings.data_dir / "proteins" / "train.npz"
    try:
        chains = load_backbones(data, min_length=run.min_length)
    except ValueError as e:
        raise InvalidTrainingOption("data", str(e)) from None
    state = load_resumable(path, run.device, run.treatment)
    if state is not None:
        saved_config = BackboneNetConfig(**state["net_config"])
        net_config = replace(
            saved_config, self_conditioning=saved_config.self_conditioning or run.self_conditioning
        )
    else:
        net_config = BackboneNetConfig(
            hidden=run.hidden, layers=run.layers, self_conditioning=run.self_conditioning
        )
    train_config = resumed_or_new_config(run, state)
    trainer = Trainer(
        BackboneNet(net_config).to(run.device),
        train_config,
        Interpolant(),
        data=backbone_data,
        auxiliary=chain_distance_loss,
    )
    trainer.ema.to(run.device)
    history: list[dict] = state.get("history", []) if state is not None else []
    if state is not None and net_config != saved_config:
        add_self_conditioning(trainer, state)
    elif state is not None:
        trainer.load_state_dict(state)

    crops = BackboneCrops(chains, run.min_length, run.max_length)
    valid = BackboneCrops(load_backbone_set(settings.data_dir / "proteins" / "ts50.npz"))
    fixed = np.random.default_rng(1)
    val_batches = [valid.random(VALIDATION_BATCH_SIZE, fixed) for _ in range(4)]
    rng = np.random.default_rng(run.seed + trainer.steps)

    def batches():
        while True:
            yield crops.random(train_config.batch_size, rng).to(run.device)

    def validate() -> dict:
        samples = sample_backbones(
            trainer.ema,
            [VALIDATION_LENGTH] * run.val_samples,
            train_config.treatment,
            VALIDATION_SAMPLING,
            seed=0,
        )
        cas = [s.double().numpy() for s in samples]
        spacing = float(np.mean([np.linalg.norm(np.diff(ca, axis=0), axis=1).mean() for ca in cas]))
        codes = "".join(dssp(rebuild_backbone(ca)) for ca in cas)
        ss = fractions(codes)
        return {
            "val_loss": trainer.validation_loss([b.to(run.device) for b in val_batches]),
            "ca_distance": spacing,
            "helix": ss["helix"],
            "strand": ss["strand"],
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
                "chain_distance_weight": train_config.auxiliary_weight,
                "network": net_config.to_dict(),
                "data": {"file": str(data.name), "chains": len(chains)},
                "crops": [run.min_length, run.max_length],
                "device": run.device,
                "validation": {
                    "data": "ts50.npz crops (loss); sampled length-100 backbones",
                    "history": history,
                },
                "command": f"qsdiff train backbones --treatment {train_config.treatment} "
                f"--steps {run.steps}",
            },
        )
        save_atomically(
            {
                **trainer.state_dict(),
                "task": "backbone",
                "net_config": net_config.to_dict(),
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
