"""``qsdiff train conformers``: train (or resume) a conformer checkpoint.

``--data qm9`` (default) trains on the QM9 train split (checkpoints ``conformer-T.pt``);
``--data druglike`` on the drug-like set that ``qsdiff data druglike`` builds (checkpoints
``conformer-druglike-T.pt``), re-reading it as a build still running adds shards. ``--init``
starts a new checkpoint from another one's weights (the drug-like pair from the QM9 pair).
Every ``--val-every`` steps it logs the EMA network's validation loss and the Kabsch RMSD of
one sampled conformer per validation molecule (all atoms) to ``CHECKPOINT.log.jsonl`` and
saves the checkpoint (see :func:`service.training.loop.train_until`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar, Literal

import torch
from torch_geometric.data import Data
from torch_geometric.loader import DataLoader

from chem.crystal_ligands import read_crystal_ligands
from chem.domain import DRUGLIKE_DOMAIN, QM9_DOMAIN
from chem.druglike_set import DruglikeSet
from chem.featurize import ATOM_CARDINALITIES, PAIR_CARDINALITIES, featurize
from chem.qm9 import load_conformer_set
from models import geometry
from models.interpolant import Interpolant
from models.networks.conformer_net import ConformerNet, ConformerNetConfig
from models.samplers import SamplingConfig
from models.tasks.conformer import sample_conformers
from models.training import Trainer
from service.checkpoints import conformer_net_config
from service.config import Settings
from service.conformers.generate import checkpoint_task
from service.errors import NotReady
from service.training.checkpoint_files import save_atomically, update_model_card
from service.training.loop import load_resumable, resumed_or_new_config, train_until
from service.training.options import OptimiserDefaults, TrainingRun

__all__ = ["ConformerTrainingRun", "train_conformers"]


@dataclass(frozen=True, kw_only=True)
class ConformerTrainingRun(TrainingRun):
    """``qsdiff train conformers``: the shared options, the data set and a new model's start.

    ``limit_train`` keeps the first N QM9 training molecules; ``max_atoms`` leaves larger
    drug-like molecules (atoms with H) out; ``init`` starts a new checkpoint from another's weights.
    """

    NEW_MODEL: ClassVar[OptimiserDefaults] = OptimiserDefaults(lr=1e-3, batch_size=64)

    hidden: int = 64
    layers: int = 5
    val_every: int = 1000
    val_molecules: int = 256
    limit_train: int | None = None
    data: Literal["qm9", "druglike"] = "qm9"
    init: Path | None = None
    max_atoms: int = 128


@torch.no_grad()
def sampled_rmsd(trainer: Trainer, batches, device: str, seed: int = 0) -> float:
    """Mean all-atom Kabsch RMSD (Å) of one 20-step ODE sample per molecule."""
    total, count = 0.0, 0
    for cpu_batch in batches:
        batch = cpu_batch.to(device)
        x = sample_conformers(
            trainer.ema, batch, trainer.config.treatment, SamplingConfig(), seed=seed
        )
        ref = geometry.center(batch.pos, batch.batch, batch.num_graphs)
        aligned = geometry.kabsch_align(x, ref, batch.batch, batch.num_graphs)
        sq = geometry.scatter_sum(((aligned - ref) ** 2).sum(-1), batch.batch, batch.num_graphs)
        counts = torch.bincount(batch.batch, minlength=batch.num_graphs)
        total += float((sq / counts).sqrt().sum())
        count += batch.num_graphs
    return total / max(count, 1)


def _data_sets(run: ConformerTrainingRun, settings: Settings, batch_size: int):
    """``(valid_batches, batches, description)`` of ``run.data``.

    Raises :class:`~service.errors.NotReady` while the set has no training molecules yet (the
    drug-like one before ``qsdiff data druglike`` has completed a shard).

    Drug-like training validates on crystal poses of the tuning ligands, the poses the
    model is for (a validation split of the ETKDG/MMFF ensembles would measure the recipe).
    """
    if run.data == "qm9":
        train_set = load_conformer_set(
            settings.qm9_npz, "train", settings.cache_dir, run.limit_train
        )
        valid_set = load_conformer_set(settings.qm9_npz, "valid", settings.cache_dir)
        described = {
            "file": settings.qm9_npz.name,
            "split": "train",
            "molecules": len(train_set),
            "dropped": train_set.dropped,
        }
        valid = [valid_set[i] for i in range(min(run.val_molecules, len(valid_set)))]
    else:
        folder = settings.cache_dir / "druglike"
        train_set = DruglikeSet(folder, max_atoms=run.max_atoms)
        if not len(train_set):  # before the validation ligands are read
            raise NotReady(
                f"no training molecules in the druglike set yet: run `qsdiff data druglike` "
                f"first (it builds {folder})"
            )
        tuning = settings.data_dir / "druglike" / "platinum_tune.sdf.gz"
        valid = crystal_poses(tuning, run.val_molecules)
        described = {
            "folder": str(folder),
            "molecules": len(train_set),
            "max_atoms": run.max_atoms,
            "validation": f"crystal poses (with hydrogens) of the first {len(valid)} ligands "
            f"of {tuning.name}",
        }
    if not len(train_set):
        raise NotReady(f"no training molecules in the {run.data} set yet")
    val_batches = list(DataLoader(valid, batch_size=64 if run.data == "qm9" else 16))

    def batches() -> Iterator:
        while True:
            if isinstance(train_set, DruglikeSet) and train_set.refresh():
                described["molecules"] = len(train_set)
            yield from DataLoader(train_set, batch_size=batch_size, shuffle=True, drop_last=True)

    return val_batches, batches(), described


def crystal_poses(path: Path, count: int) -> list[Data]:
    """The first ``count`` crystal ligands of ``path`` as graphs with their poses (with H)."""
    out = []
    for ligand in read_crystal_ligands(path):
        graph = featurize(ligand.with_hydrogens)
        pos = torch.from_numpy(ligand.with_hydrogens.GetConformer().GetPositions()).float()
        out.append(Data(atoms=graph.atoms, pairs=graph.pairs, pos=pos, num_nodes=len(pos)))
        if len(out) == count:
            break
    return out


def _initial_weights(trainer: Trainer, init: Path, device: str) -> None:
    """Copy ``init``'s network and EMA weights into a new ``trainer`` (steps stay at 0)."""
    state = torch.load(init, map_location=device, weights_only=True)
    trainer.net.load_state_dict(state["net"])
    trainer.ema.load_state_dict(state["ema"])


def train_conformers(run: ConformerTrainingRun, settings: Settings) -> Path:
    """Train until ``run.steps`` (resuming when the checkpoint exists); returns the checkpoint."""
    torch.manual_seed(run.seed)
    name = checkpoint_task(run.data)
    path = run.checkpoint or settings.checkpoint_dir / f"{name}-{run.treatment}.pt"
    state = load_resumable(path, run.device, run.treatment)
    if state is None and run.init is not None:
        net_config = conformer_net_config(
            torch.load(run.init, map_location="cpu", weights_only=True)["net_config"]
        )
    elif state is not None:
        net_config = conformer_net_config(state["net_config"])
    else:
        net_config = ConformerNetConfig(
            ATOM_CARDINALITIES, PAIR_CARDINALITIES, hidden=run.hidden, layers=run.layers
        )
    train_config = resumed_or_new_config(run, state)
    trainer = Trainer(ConformerNet(net_config).to(run.device), train_config, Interpolant())
    trainer.ema.to(run.device)
    history: list[dict] = []
    if state is not None:
        trainer.load_state_dict(state)
        history = state.get("history", [])
    elif run.init is not None:
        _initial_weights(trainer, run.init, run.device)
    val_batches, batches, data_card = _data_sets(run, settings, train_config.batch_size)
    domain = QM9_DOMAIN if run.data == "qm9" else replace(DRUGLIKE_DOMAIN, max_atoms=run.max_atoms)

    def save() -> None:
        update_model_card(
            path,
            "training",
            {
                "task": "conformer",
                "treatment": train_config.treatment,
                "steps": trainer.steps,
                "batch_size": train_config.batch_size,
                "lr": train_config.lr,
                "network": net_config.to_dict(),
                "data": data_card,
                "domain": domain.to_dict(),
                "initialised_from": str(run.init) if run.init else None,
                "device": run.device,
                "validation": {
                    "set": data_card.get("validation", "QM9 valid split"),
                    "molecules": run.val_molecules,
                    "metrics": "EMA loss; all-atom Kabsch RMSD of one 20-step ODE sample",
                    "history": history,
                },
                "command": f"qsdiff train conformers --data {run.data} "
                f"--treatment {train_config.treatment} --steps {run.steps}",
            },
        )
        save_atomically(
            {
                **trainer.state_dict(),
                "net_config": net_config.to_dict(),
                "history": history,
                "data": data_card,
                "domain": domain.to_dict(),
            },
            path,
        )

    def validate() -> dict:
        return {
            "val_loss": trainer.validation_loss([b.to(run.device) for b in val_batches]),
            "val_rmsd": sampled_rmsd(trainer, val_batches, run.device),
        }

    train_until(
        trainer,
        (batch.to(run.device) for batch in batches),
        steps=run.steps,
        val_every=run.val_every,
        validate=validate,
        save=save,
        history=history,
        log_path=path.with_name(path.stem + ".log.jsonl"),
        desc=f"train {run.treatment}",
    )
    return path
