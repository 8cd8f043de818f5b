"""``qsdiff train backbones``: train (or resume) a C-alpha backbone checkpoint.

Trains on random crops of the chains in ``--data`` (default: the shipped ``train.npz``, about
two hundred chains; any npz of that layout, such as a CATH or AFDB export packed by ``qsdiff
pack-backbones``, or a folder of PDB / mmCIF files, works the same, and ``--device cuda``
trains on a GPU). Every ``--val-every`` steps it logs the EMA network's
validation loss on TS50 crops and the C-alpha spacing and secondary structure of a few sampled
backbones, then saves (see :func:`service.training.loop.train_until`).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

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

__all__ = ["run"]

VALIDATION_SAMPLING = SamplingConfig("ode", 50)
VALIDATION_BATCH_SIZE = 16
"""Validation crops per batch (4 batches): fixed, so that ``val_loss`` stays comparable when a
resumed run changes ``--batch-size``."""
VALIDATION_LENGTH = 100


def add_self_conditioning(trainer: Trainer, state: dict) -> None:
    """Resume a network trained without self-conditioning as a self-conditioned one.

    Its weights and EMA carry over and the new layers start at zero, so it begins as the
    function it was; the optimiser starts afresh, since it has no moments for the new layers.
    """
    for net, key in ((trainer.net, "net"), (trainer.ema, "ema")):
        missing, unexpected = net.load_state_dict(state[key], strict=False)
        if unexpected or not all("self_condition" in name for name in missing):
            raise SystemExit(f"the checkpoint's {key} weights do not fit the backbone network")
    trainer.steps = int(state["steps"])


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Train until ``args.steps``; resume when the checkpoint exists."""
    if args.max_length < args.min_length:
        sys.stderr.write("qsdiff train backbones: error: --max-length is below --min-length\n")
        return 2
    torch.manual_seed(args.seed)
    path = args.checkpoint or settings.checkpoint_dir / f"backbone-{args.treatment}.pt"
    data = args.data or settings.data_dir / "proteins" / "train.npz"
    try:
        chains = load_backbones(data, min_length=args.min_length)
    except ValueError as e:
        sys.stderr.write(f"qsdiff train backbones: error: --data: {e}\n")
        return 2
    state = load_resumable(path, args.device, args.treatment)
    if state is not None:
        saved_config = BackboneNetConfig(**state["net_config"])
        net_config = replace(
            saved_config, self_conditioning=saved_config.self_conditioning or args.self_conditioning
        )
    else:
        net_config = BackboneNetConfig(
            hidden=args.hidden, layers=args.layers, self_conditioning=args.self_conditioning
        )
    train_config = resumed_or_new_config(args, state)
    trainer = Trainer(
        BackboneNet(net_config).to(args.device),
        train_config,
        Interpolant(),
        data=backbone_data,
        auxiliary=chain_distance_loss,
    )
    trainer.ema.to(args.device)
    history: list[dict] = state.get("history", []) if state is not None else []
    if state is not None and net_config != saved_config:
        add_self_conditioning(trainer, state)
    elif state is not None:
        trainer.load_state_dict(state)

    crops = BackboneCrops(chains, args.min_length, args.max_length)
    valid = BackboneCrops(load_backbone_set(settings.data_dir / "proteins" / "ts50.npz"))
    fixed = np.random.default_rng(1)
    val_batches = [valid.random(VALIDATION_BATCH_SIZE, fixed) for _ in range(4)]
    rng = np.random.default_rng(args.seed + trainer.steps)

    def batches():
        while True:
            yield crops.random(train_config.batch_size, rng).to(args.device)

    def validate() -> dict:
        samples = sample_backbones(
            trainer.ema,
            [VALIDATION_LENGTH] * args.val_samples,
            train_config.treatment,
            VALIDATION_SAMPLING,
            seed=0,
        )
        cas = [s.double().numpy() for s in samples]
        spacing = float(np.mean([np.linalg.norm(np.diff(ca, axis=0), axis=1).mean() for ca in cas]))
        codes = "".join(dssp(rebuild_backbone(ca)) for ca in cas)
        ss = fractions(codes)
        return {
            "val_loss": trainer.validation_loss([b.to(args.device) for b in val_batches]),
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
                "crops": [args.min_length, args.max_length],
                "device": args.device,
                "validation": {
                    "data": "ts50.npz crops (loss); sampled length-100 backbones",
                    "history": history,
                },
                "command": f"qsdiff train backbones --treatment {train_config.treatment} "
                f"--steps {args.steps}",
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
        steps=args.steps,
        val_every=args.val_every,
        validate=validate,
        save=save,
        history=history,
        log_path=path.with_name(path.stem + ".log.jsonl"),
        desc=f"train backbones {args.treatment}",
    )
    return 0
