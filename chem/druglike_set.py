"""The drug-like conformer set as training data: shards of ``qsdiff data druglike``.

Every molecule keeps all its conformers; each time it is drawn, one of them is picked at
random, so an epoch sees every molecule once and the ensembles over many epochs. (Training
validates on crystal poses instead, see ``qsdiff train conformers``.) Shards are parsed
once and cached beside themselves (``shard-NNNNN.pt``); :meth:`refresh` picks up shards that
a build still running has completed since; a folder no build has made yet is an empty set.
"""

from __future__ import annotations

import gzip
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from rdkit import Chem, RDLogger
from torch import Tensor
from torch_geometric.data import Data

from chem.featurize import FeaturizationError, featurize

__all__ = ["DruglikeSet", "read_shard"]

logger = logging.getLogger(__name__)

_CACHE_VERSION = 1


def _mol_groups(sdf_gz: Path):
    """``(molecule id, [records])`` for each molecule of a shard, in order."""
    current, group = None, []
    with gzip.open(sdf_gz) as handle:
        for mol in Chem.ForwardSDMolSupplier(handle, removeHs=False):
            if mol is None:
                continue
            index = mol.GetIntProp("molecule")
            if index != current and group:
                yield current, group
                group = []
            current = index
            group.append(mol)
    if group:
        yield current, group


def read_shard(sdf_gz: Path) -> dict:
    """Tensors of one shard: ids, smiles, atoms / pairs codes (int8) and conformers (Å)."""
    RDLogger.DisableLog("rdApp.*")
    out: dict = {"ids": [], "smiles": [], "atoms": [], "pairs": [], "pos": []}
    for index, records in _mol_groups(sdf_gz):
        mol = Chem.Mol(records[0])
        Chem.AssignStereochemistryFrom3D(mol)
        try:
            graph = featurize(mol)
        except FeaturizationError as e:
            logger.warning("%s molecule %d: %s", sdf_gz.name, index, e)
            continue
        coords = np.stack([r.GetConformer().GetPositions() for r in records]).astype(np.float32)
        out["ids"].append(index)
        out["smiles"].append(records[0].GetProp("smiles"))
        out["atoms"].append(graph.atoms.to(torch.int8))
        out["pairs"].append(graph.pairs.to(torch.int8))
        out["pos"].append(torch.from_numpy(coords - coords.mean(1, keepdims=True)))
    return out


def _cached_shard(sdf_gz: Path) -> dict:
    cache = sdf_gz.with_name(sdf_gz.name.removesuffix(".sdf.gz") + ".pt")
    if cache.is_file():
        data = torch.load(cache, weights_only=False)
        if data.get("version") == _CACHE_VERSION:
            return data
    data = {**read_shard(sdf_gz), "version": _CACHE_VERSION}
    tmp = cache.with_name(cache.name + f".{os.getpid()}.tmp")
    torch.save(data, tmp)
    os.replace(tmp, cache)
    return data


@dataclass
class DruglikeSet:
    """The drug-like set: a list of molecules, each with its conformers."""

    folder: Path
    max_atoms: int | None = None  # leave out molecules larger than this (atoms with H)
    smiles: list[str] = field(default_factory=list)
    atoms: list[Tensor] = field(default_factory=list)
    pairs: list[Tensor] = field(default_factory=list)
    pos: list[Tensor] = field(default_factory=list)  # each [C, n, 3]
    loaded: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> int:
        """Load the shards completed since the last call; returns how many molecules came."""
        before = len(self.smiles)
        for marker in sorted(self.folder.glob("shard-*.json")):
            sdf = marker.with_name(marker.name.removesuffix(".json") + ".sdf.gz")
            if sdf.name in self.loaded or not sdf.is_file():
                continue
            data = _cached_shard(sdf)
            for i in range(len(data["ids"])):
                if self.max_atoms is not None and data["atoms"][i].shape[0] > self.max_atoms:
                    continue
                self.smiles.append(data["smiles"][i])
                self.atoms.append(data["atoms"][i])
                self.pairs.append(data["pairs"][i])
                self.pos.append(data["pos"][i])
            self.loaded.add(sdf.name)
        return len(self.smiles) - before

    def __len__(self) -> int:
        return len(self.smiles)

    def __getitem__(self, i: int) -> Data:
        """Molecule ``i`` with one of its conformers drawn at random."""
        conformers = self.pos[i]
        k = int(torch.randint(conformers.shape[0], ()))
        return Data(
            atoms=self.atoms[i],
            pairs=self.pairs[i],
            pos=conformers[k],
            num_nodes=conformers.shape[1],
        )
