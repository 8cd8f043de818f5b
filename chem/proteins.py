"""Protein backbones in and out: PDB / mmCIF files, the npz sets, crops, GLY-backbone writers.

A :class:`Backbone` is one chain segment with all of N, CA, C, O per residue; chains are split
where consecutive C-alphas are more than 4.2 A apart (a break), as the shipped npz sets are
(``../shared/data/proteins/README.md``). Files are parsed with gemmi (PDB, mmCIF, gzipped or
not); a folder of them is read lazily, one file at a time, and can be packed into an npz set of
the shipped layout, so that a large set (a CATH or AFDB export) is parsed once, not at every
training start.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import gemmi
import numpy as np
from tqdm import tqdm

__all__ = [
    "Backbone",
    "backbones_text",
    "load_backbone_set",
    "load_backbones",
    "read_folder",
    "read_structure",
    "write_backbone_set",
    "write_backbones",
]

logger = logging.getLogger(__name__)

BACKBONE_ATOMS = ("N", "CA", "C", "O")
BREAK_CA_CA = 4.2  # A
STRUCTURE_SUFFIXES = (".pdb", ".ent", ".cif", ".mmcif", ".pdb.gz", ".ent.gz", ".cif.gz")


@dataclass(frozen=True)
class Backbone:
    """One chain segment: ``coords [L, 4, 3]`` (N, CA, C, O; A), one-letter ``sequence``."""

    name: str
    coords: np.ndarray
    sequence: str

    def __len__(self) -> int:
        return len(self.coords)

    @property
    def ca(self) -> np.ndarray:
        """C-alpha coordinates ``[L, 3]``."""
        return self.coords[:, 1]


def _split_at_breaks(name: str, coords: np.ndarray, sequence: str, min_length: int):
    gaps = np.linalg.norm(np.diff(coords[:, 1], axis=0), axis=-1) > BREAK_CA_CA
    starts = [0, *(np.nonzero(gaps)[0] + 1).tolist()]
    ends = [*starts[1:], len(coords)]
    for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
        if b - a >= min_length:
            suffix = f"#{k}" if len(starts) > 1 else ""
            yield Backbone(f"{name}{suffix}", coords[a:b], sequence[a:b])


def read_structure(path: Path, min_length: int = 2, split_breaks: bool = True) -> list[Backbone]:
    """Every protein chain segment of the first model of a PDB / mmCIF file.

    Residues missing any backbone atom are left out; alternate locations: the first. With
    ``split_breaks=False`` each chain is kept whole, gaps or not.
    Raises ``ValueError`` naming the file when it cannot be read.
    """
    try:
        structure = gemmi.read_structure(str(path))
    except (RuntimeError, ValueError) as e:
        raise ValueError(f"cannot read {path}: {e}") from e
    if len(structure) == 0:
        raise ValueError(f"cannot read {path}: no atoms in it")
    structure.remove_alternative_conformations()
    backbones = []
    for chain in structure[0]:
        coords, letters = [], []
        for residue in chain:
            info = gemmi.find_tabulated_residue(residue.name)
            if info is None or not info.is_amino_acid():
                continue
            atoms = [residue.find_atom(a, "*") for a in BACKBONE_ATOMS]
            if any(atom is None for atom in atoms):
                continue
            coords.append([[atom.pos.x, atom.pos.y, atom.pos.z] for atom in atoms])
            letters.append(info.one_letter_code.upper() if info.one_letter_code != " " else "X")
        if coords:
            name = f"{Path(path).name}:{chain.name}"
            if split_breaks:
                backbones += _split_at_breaks(name, np.array(coords), "".join(letters), min_length)
            elif len(coords) >= min_length:
                backbones.append(Backbone(name, np.array(coords), "".join(letters)))
    return backbones


def read_folder(folder: Path, min_length: int = 2) -> Iterator[Backbone | ValueError]:
    """Every chain segment of every structure file under ``folder``, streamed, in name order.

    A file that cannot be read yields its ``ValueError`` instead, and the rest still run.
    """
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and path.name.lower().endswith(STRUCTURE_SUFFIXES):
            try:
                yield from read_structure(path, min_length)
            except ValueError as e:
                yield e


def load_backbone_set(npz: Path) -> list[Backbone]:
    """The chains of one of the shipped npz sets (``train.npz``, ``ts50.npz``)."""
    data = np.load(npz)
    return [
        Backbone(str(name), data["coords"][o : o + n].astype(np.float64), str(seq))
        for name, seq, o, n in zip(
            data["ids"], data["seqs"], data["offsets"], data["lengths"], strict=True
        )
    ]


def load_backbones(
    path: Path, min_length: int = 2, on_skip: Callable[[ValueError], None] | None = None
) -> list[Backbone]:
    """The chains of an npz set, of a PDB / mmCIF file, or of every such file under a folder.

    Files of a folder that cannot be read go to ``on_skip`` (default: a logged warning) and the
    rest still run, so one bad file does not stop a run over thousands; on a terminal, a
    progress bar counts the chains read. A path that holds no chain at all is a ``ValueError``.
    """
    path = Path(path)
    if path.is_dir():
        chains = []
        reading = tqdm(
            read_folder(path, min_length), f"reading {path.name}", unit="chain", disable=None
        )
        for found in reading:
            if isinstance(found, ValueError):
                (on_skip or _log_skipped)(found)
            else:
                chains.append(found)
    elif path.is_file() and path.name.lower().endswith(STRUCTURE_SUFFIXES):
        chains = read_structure(path, min_length)
    elif path.is_file() and path.suffix == ".npz":
        chains = [b for b in load_backbone_set(path) if len(b) >= min_length]
    else:
        raise ValueError(f"no backbone set at {path}: expected an npz set, a folder or a file")
    if not chains:
        raise ValueError(f"no protein chain of at least {min_length} residues in {path}")
    return chains


def _log_skipped(error: ValueError) -> None:
    logger.warning("skipped: %s", error)


def write_backbone_set(backbones: Iterable[Backbone], npz: Path, source: str = "") -> int:
    """Write chains in the layout of the shipped npz sets; returns how many were written.

    The file appears only once complete (written beside it, then renamed), so an interrupted
    run never leaves a truncated set for a later training run to read.
    """
    chains = list(backbones)
    if not chains:
        raise ValueError("no chains to write")
    npz = Path(npz)
    lengths = np.array([len(b) for b in chains], dtype=np.int32)
    partial = npz.with_name(npz.name + ".partial")
    with open(partial, "wb") as f:
        np.savez_compressed(
            f,
            ids=np.array([b.name for b in chains]),
            seqs=np.array([b.sequence for b in chains]),
            lengths=lengths,
            offsets=np.concatenate([[0], np.cumsum(lengths[:-1])]).astype(np.int64),
            coords=np.concatenate([b.coords for b in chains]).astype(np.float32),
            sources=np.array([source] * len(chains)),
            licenses=np.array([""] * len(chains)),
        )
    os.replace(partial, npz)
    return len(chains)


def backbones_text(
    backbones: list[Backbone],
    fmt: Literal["pdb", "cif"],
    remarks: Sequence[str] = (),
    name: str = "backbones",
) -> str:
    """All-GLY backbones as PDB or mmCIF text, one chain each (A, B, ...).

    ``remarks`` go into PDB ``REMARK 250`` lines or the mmCIF ``_qsdiff.remark`` category;
    ``name`` is the structure's (the mmCIF data block's).
    """
    structure = gemmi.Structure()
    structure.name = name
    model = gemmi.Model(1)
    for index, backbone in enumerate(backbones):
        chain = gemmi.Chain(_chain_name(index))
        for number, xyz in enumerate(backbone.coords, start=1):
            residue = gemmi.Residue()
            residue.name = "GLY"
            residue.seqid = gemmi.SeqId(number, " ")
            for atom_name, position in zip(BACKBONE_ATOMS, xyz, strict=True):
                atom = gemmi.Atom()
                atom.name = atom_name
                atom.element = gemmi.Element(atom_name[0])
                atom.pos = gemmi.Position(*map(float, position))
                atom.occ = 1.0
                residue.add_atom(atom)
            chain.add_residue(residue)
        model.add_chain(chain)
    structure.add_model(model)
    structure.setup_entities()
    if fmt == "cif":
        document = structure.make_mmcif_document()
        block = document.sole_block()
        if remarks:
            block.set_mmcif_category("_qsdiff", {"remark": list(remarks)})
        return document.as_string()
    header = "".join(f"REMARK 250 {line}\n" for line in remarks)
    options = gemmi.PdbWriteOptions(minimal=True)
    options.cryst1_record = False  # no unit cell: a model, not a crystal
    return header + structure.make_pdb_string(options)


def write_backbones(backbones: list[Backbone], path: Path, remarks: Sequence[str] = ()) -> None:
    """:func:`backbones_text` into ``path``: mmCIF for a ``.cif`` name, else PDB."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = "cif" if path.suffix == ".cif" else "pdb"
    path.write_text(backbones_text(backbones, fmt, remarks, path.stem))


def _chain_name(index: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return (
        letters[index]
        if index < len(letters)
        else f"{letters[index // 26 - 1]}{letters[index % 26]}"
    )
