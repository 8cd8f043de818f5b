"""Loading a checkpoint ``TASK-TREATMENT.pt`` into the network of its task, ready to sample.

Writing checkpoints and model cards is :mod:`service.training.checkpoint_files`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from chem.domain import QM9_DOMAIN, Domain
from chem.featurize import ATOM_CARDINALITIES, PAIR_CARDINALITIES
from models.networks.backbone_net import BackboneNet, BackboneNetConfig
from models.networks.conformer_net import ConformerNet, ConformerNetConfig
from models.networks.molecule_net import MoleculeNet, MoleculeNetConfig

__all__ = [
    "LOADERS",
    "LoadedConformerModel",
    "LoadedModel",
    "LoadedMoleculeModel",
    "conformer_net_config",
    "load_backbone_model",
    "load_conformer_model",
    "load_molecule_model",
]


@dataclass(frozen=True)
class LoadedModel:
    """An EMA network ready to sample, with what the checkpoint says about it."""

    net: nn.Module
    treatment: str
    steps: int
    path: Path


@dataclass(frozen=True)
class LoadedConformerModel(LoadedModel):
    """A conformer model: also the range of molecules it was trained on."""

    domain: Domain = QM9_DOMAIN


@dataclass(frozen=True)
class LoadedMoleculeModel(LoadedModel):
    """A de novo molecule model: also its elements and its training set's size histogram."""

    elements: tuple[str, ...] = ()
    size_histogram: tuple[int, ...] = ()


def conformer_net_config(saved: dict) -> ConformerNetConfig:
    """Network config from a checkpoint's dict (tuples restored)."""
    fields = dict(saved)
    fields["atom_cardinalities"] = tuple(fields["atom_cardinalities"])
    fields["pair_cardinalities"] = tuple(fields["pair_cardinalities"])
    if (fields["atom_cardinalities"], fields["pair_cardinalities"]) != (
        ATOM_CARDINALITIES,
        PAIR_CARDINALITIES,
    ):
        raise ValueError("checkpoint was trained with another featurization; retrain it")
    return ConformerNetConfig(**fields)


def load_conformer_model(path: Path, device: str = "cpu") -> LoadedConformerModel:
    """The EMA weights of a conformer checkpoint on ``device``.

    Checkpoints saved before training recorded a domain were all trained on QM9.
    """
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    state = torch.load(path, map_location=device, weights_only=True)
    net = ConformerNet(conformer_net_config(state["net_config"]))
    net.load_state_dict(state["ema"])
    net.to(device).eval()
    domain = Domain.from_dict(state["domain"]) if "domain" in state else QM9_DOMAIN
    return LoadedConformerModel(
        net, state["train_config"]["treatment"], int(state["steps"]), path, domain
    )


def load_molecule_model(path: Path, device: str = "cpu") -> LoadedMoleculeModel:
    """The EMA weights of a de novo molecule checkpoint on ``device``."""
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    state = torch.load(path, map_location=device, weights_only=True)
    net = MoleculeNet(MoleculeNetConfig(**state["net_config"]))
    net.load_state_dict(state["ema"])
    net.to(device).eval()
    return LoadedMoleculeModel(
        net,
        state["train_config"]["treatment"],
        int(state["steps"]),
        path,
        tuple(state["elements"]),
        tuple(state["size_histogram"]),
    )


def load_backbone_model(path: Path, device: str = "cpu") -> LoadedModel:
    """The EMA weights of a backbone checkpoint on ``device``."""
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    state = torch.load(path, map_location=device, weights_only=True)
    net = BackboneNet(BackboneNetConfig(**state["net_config"]))
    missing, unexpected = net.load_state_dict(state["ema"], strict=False)
    if missing or unexpected:
        raise ValueError(
            f"{path} does not fit the backbone network of this version (missing "
            f"{len(missing)} tensors, e.g. {missing[:1]}; unexpected {len(unexpected)}): it was "
            "saved by an older qsdiff, before the offset bias and attended displacements"
        )
    net.to(device).eval()
    return LoadedModel(net, state["train_config"]["treatment"], int(state["steps"]), path)


LOADERS = {
    "conformer": load_conformer_model,
    "conformer-druglike": load_conformer_model,
    "molecule": load_molecule_model,
    "backbone": load_backbone_model,
}
"""Checkpoint loader of each task (checkpoints are named ``TASK-TREATMENT.pt``; the conformer
pair trained on drug-like molecules is the task ``conformer-druglike``)."""
