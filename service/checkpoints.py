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
from chem.smiles_tokens import Vocabulary
from models.networks.backbone_net import BackboneNet, BackboneNetConfig
from models.networks.conformer_net import ConformerNet, ConformerNetConfig
from models.networks.smiles_lm import SmilesLM, SmilesLMConfig
from models.ss_plan import SegmentPlanModel

__all__ = [
    "LOADERS",
    "LoadedBackboneModel",
    "LoadedConformerModel",
    "LoadedGraphModel",
    "LoadedModel",
    "conformer_net_config",
    "load_backbone_model",
    "load_conformer_model",
    "load_graph_model",
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
class LoadedGraphModel(LoadedModel):
    """The de novo graph model: also its vocabulary and its heavy-atom-count histogram."""

    vocabulary: Vocabulary
    size_histogram: tuple[int, ...]

    @property
    def max_heavy_atoms(self) -> int:
        """The largest molecule it was trained on (heavy atoms)."""
        return len(self.size_histogram) - 1


@dataclass(frozen=True)
class LoadedBackboneModel(LoadedModel):
    """A backbone model: also its secondary-structure plan model (None in older checkpoints)."""

    plans: SegmentPlanModel | None = None

    @property
    def ss_conditioned(self) -> bool:
        """Whether the network reads secondary-structure letters."""
        return bool(self.net.config.ss_conditioning)


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


def load_graph_model(path: Path, device: str = "cpu") -> LoadedGraphModel:
    """The de novo graph model (``molecule-graph.pt``) on ``device``.

    Its "treatment" is ``graph``: the coordinates' treatment is the conformer model's.
    """
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    state = torch.load(path, map_location=device, weights_only=True)
    net = SmilesLM(SmilesLMConfig(**state["net_config"]))
    net.load_state_dict(state["net"])
    net.to(device).eval()
    return LoadedGraphModel(
        net,
        "graph",
        int(state["steps"]),
        path,
        Vocabulary(tuple(state["vocabulary"])),
        tuple(state["size_histogram"]),
    )


def load_backbone_model(path: Path, device: str = "cpu") -> LoadedBackboneModel:
    """The EMA weights of a backbone checkpoint on ``device``."""
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    state = torch.load(path, map_location=device, weights_only=True)
    net = BackboneNet(BackboneNetConfig(**state["net_config"]))
    try:
        missing, unexpected = net.load_state_dict(state["ema"], strict=False)
    except RuntimeError as e:  # a tensor of another shape
        raise ValueError(
            f"{path} does not fit the backbone network of this version: it was saved by an "
            f"older qsdiff, before the network read local frames ({str(e).splitlines()[1]})"
        ) from None
    if missing or unexpected:
        raise ValueError(
            f"{path} does not fit the backbone network of this version (missing "
            f"{len(missing)} tensors, e.g. {missing[:1]}; unexpected {len(unexpected)}): it was "
            "saved by an older qsdiff"
        )
    net.to(device).eval()
    plans = SegmentPlanModel.from_dict(state["ss_plan"]) if "ss_plan" in state else None
    return LoadedBackboneModel(
        net, state["train_config"]["treatment"], int(state["steps"]), path, plans
    )


LOADERS = {
    "conformer": load_conformer_model,
    "conformer-druglike": load_conformer_model,
    "molecule": load_graph_model,
    "backbone": load_backbone_model,
}
"""Checkpoint loader of each task (checkpoints are named ``TASK-TREATMENT.pt``; the conformer
pair trained on drug-like molecules is the task ``conformer-druglike``)."""
