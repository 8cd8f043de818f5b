"""QM9 as conformer training data: graphs perceived from the DFT geometry.

Each molecule's bonds and charges come from its B3LYP geometry (RDKit ``DetermineBonds``),
stereo is assigned from the same coordinates, and the perceived graph is checked against the
dataset's SMILES (stereo and hydrogens set aside). Molecules that disagree or fail perception are
dropped and counted by reason. The arrays are built once per split and cached.

File layout: see ``../shared/data/qm9/README.md`` (``charges``, ``positions``, ``num_atoms``,
``split``, ``smiles``); any npz of that layout works.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from rdkit import Chem, RDLogger
from rdkit.Chem import rdDetermineBonds
from torch import Tensor
from torch_geometric.data import Data
from tqdm import tqdm

from chem.featurize import FeaturizationError, featurize

__all__ = ["SPLITS", "ConformerSet", "PerceptionError", "load_conformer_set", "perceive_molecule"]

logger = logging.getLogger(__name__)

SPLITS = {"train": 0, "valid": 1, "test": 2}
_CACHE_VERSION = "2"


class PerceptionError(ValueError):
    """The DFT geometry does not give a molecule that matches its SMILES."""


def _skeleton_smiles(mol: Chem.Mol) -> str:
    """Canonical SMILES without stereo and without hydrogens: what perception must agree on."""
    copy = Chem.Mol(mol)
    Chem.RemoveStereochemistry(copy)
    return Chem.MolToSmiles(Chem.RemoveHs(copy), isomericSmiles=False)


def _skeleton(mol: Chem.Mol) -> Chem.Mol:
    """Connectivity only: every bond single, no aromaticity, no charges."""
    rw = Chem.RWMol(mol)
    for bond in rw.GetBonds():
        bond.SetBondType(Chem.BondType.SINGLE)
        bond.SetIsAromatic(False)
    for atom in rw.GetAtoms():
        atom.SetIsAromatic(False)
        atom.SetFormalCharge(0)
        atom.SetNoImplicit(True)
        atom.SetNumExplicitHs(0)
    return rw.GetMol()


def _graph_from_smiles(geometry: Chem.Mol, reference: Chem.Mol) -> Chem.Mol:
    """The SMILES graph (bond orders, charges) placed on the geometry's atoms.

    Used where bond-order perception fails (strained bicyclics, zwitterions): the geometry's
    connectivity must still be exactly the SMILES graph, atom for atom, at the standard
    covalent-radius factor (1.3) or a tighter one (strained rings put non-bonded atoms close).
    """
    with_hs = Chem.AddHs(reference)
    query = _skeleton(with_hs)
    match: tuple[int, ...] = ()
    for factor in (1.3, 1.2, 1.1):
        connected = Chem.Mol(geometry)
        rdDetermineBonds.DetermineConnectivity(connected, covFactor=factor)
        target = _skeleton(connected)
        if target.GetNumBonds() == query.GetNumBonds():
            match = target.GetSubstructMatch(query)
            if len(match) == geometry.GetNumAtoms():
                break
    if len(match) != geometry.GetNumAtoms():
        raise PerceptionError("perceived graph differs from the dataset SMILES")
    conf = Chem.Conformer(with_hs.GetNumAtoms())
    source = geometry.GetConformer()
    for i, j in enumerate(match):
        conf.SetAtomPosition(i, source.GetAtomPosition(j))
    conf.Set3D(True)
    with_hs.RemoveAllConformers()
    with_hs.AddConformer(conf, assignId=True)
    return Chem.RenumberAtoms(with_hs, [match.index(j) for j in range(len(match))])


def perceive_molecule(atomic_numbers: np.ndarray, positions: np.ndarray, smiles: str) -> Chem.Mol:
    """Molecule with explicit hydrogens, bonds and stereo from a geometry (Å, ``[N, 3]``).

    Bond orders come from the geometry (``DetermineBonds``); where that fails, from the SMILES
    provided the geometry's connectivity is exactly the SMILES graph. Atom order is the
    geometry's. Raises :class:`PerceptionError` when neither gives the SMILES' molecule.
    """
    table = Chem.GetPeriodicTable()
    lines = [str(len(atomic_numbers)), ""]
    lines += [
        f"{table.GetElementSymbol(int(z))} {x:.6f} {y:.6f} {w:.6f}"
        for z, (x, y, w) in zip(atomic_numbers, positions, strict=True)
    ]
    geometry = Chem.MolFromXYZBlock("\n".join(lines))
    if geometry is None:
        raise PerceptionError("RDKit could not read the geometry")
    reference = Chem.MolFromSmiles(smiles)
    if reference is None:
        raise PerceptionError(f"the dataset SMILES {smiles!r} does not parse")
    mol = Chem.Mol(geometry)
    try:
        rdDetermineBonds.DetermineBonds(mol, charge=Chem.GetFormalCharge(reference))
        perceived = _skeleton_smiles(mol) == _skeleton_smiles(reference)
    except ValueError:
        perceived = False
    if not perceived:
        mol = _graph_from_smiles(geometry, reference)
    Chem.AssignStereochemistryFrom3D(mol)
    return mol


@dataclass
class ConformerSet:
    """Concatenated graph tensors of many molecules (row ranges by ``atom_ptr``/``pair_ptr``)."""

    atoms: Tensor
    pairs: Tensor
    pos: Tensor
    atom_ptr: Tensor
    pair_ptr: Tensor
    smiles: list[str]
    dropped: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.smiles)

    def __getitem__(self, i: int) -> Data:
        """Molecule ``i`` as a torch-geometric ``Data`` (``atoms``, ``pairs``, ``pos``)."""
        a0, a1 = int(self.atom_ptr[i]), int(self.atom_ptr[i + 1])
        p0, p1 = int(self.pair_ptr[i]), int(self.pair_ptr[i + 1])
        return Data(
            atoms=self.atoms[a0:a1], pairs=self.pairs[p0:p1], pos=self.pos[a0:a1], num_nodes=a1 - a0
        )


def _cache_path(npz: Path, split: str, cache_dir: Path, limit: int | None) -> Path:
    stat = npz.stat()
    key = f"{npz.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{split}|{limit}|{_CACHE_VERSION}"
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    return cache_dir / f"conformers-{npz.stem}-{split}-{digest}.pt"


def _build(npz: Path, split: str, limit: int | None) -> ConformerSet:
    data = dict(np.load(npz, allow_pickle=False))
    rows = np.flatnonzero(data["split"] == SPLITS[split])[:limit]
    atoms, pairs, positions, smiles = [], [], [], []
    dropped: Counter[str] = Counter()
    RDLogger.DisableLog("rdApp.*")
    try:
        for row in tqdm(rows, desc=f"perceiving {npz.name} [{split}]", unit="mol"):
            n = int(data["num_atoms"][row])
            coords = data["positions"][row, :n].astype(np.float64)
            try:
                mol = perceive_molecule(data["charges"][row, :n], coords, str(data["smiles"][row]))
                graph = featurize(mol)
            except (PerceptionError, FeaturizationError) as e:
                dropped[str(e).split(":")[0]] += 1
                continue
            atoms.append(graph.atoms.to(torch.int8))
            pairs.append(graph.pairs.to(torch.int8))
            positions.append(torch.from_numpy(coords - coords.mean(0)).float())
            smiles.append(Chem.MolToSmiles(Chem.RemoveHs(mol)))
    finally:
        RDLogger.EnableLog("rdApp.*")
    sizes = torch.tensor([a.shape[0] for a in atoms])
    zero = torch.zeros(1, dtype=torch.long)
    return ConformerSet(
        atoms=torch.cat(atoms),
        pairs=torch.cat(pairs),
        pos=torch.cat(positions),
        atom_ptr=torch.cat([zero, sizes.cumsum(0)]),
        pair_ptr=torch.cat([zero, (sizes * sizes).cumsum(0)]),
        smiles=smiles,
        dropped=dict(dropped),
    )


def load_conformer_set(
    npz: Path, split: str, cache_dir: Path, limit: int | None = None
) -> ConformerSet:
    """The ``split`` of ``npz`` (first ``limit`` rows if given), from the cache when built."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {list(SPLITS)}")
    if not npz.is_file():
        raise FileNotFoundError(f"no dataset at {npz}; set QSDIFF_DATA_DIR or pass --data")
    path = _cache_path(npz, split, cache_dir, limit)
    if path.is_file():
        return ConformerSet(**torch.load(path, weights_only=False))
    built = _build(npz, split, limit)
    logger.info(
        "%s [%s]: %d molecules kept, dropped %s", npz.name, split, len(built), built.dropped
    )
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # processes building at once never share it
    torch.save(built.__dict__, tmp)
    tmp.replace(path)
    return built
