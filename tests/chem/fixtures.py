"""A tiny QM9-layout npz made with RDKit (MMFF geometries), for tests that need a dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rdkit import Chem
from rdkit.Chem import AllChem

SMILES = ["CCO", "CC(=O)N", "C[C@H](O)C#N", "c1ccoc1", "OCC1CC1", "CC(C)(C)O", "N#CC=O", "CCOC"]


def embedded(smiles: str, seed: int = 0) -> Chem.Mol:
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    AllChem.EmbedMolecule(mol, randomSeed=seed)
    AllChem.MMFFOptimizeMolecule(mol)
    return mol


def write_tiny_qm9(
    path: Path, smiles: list[str] = SMILES, wrong_smiles_row: int | None = None
) -> Path:
    """npz with QM9's layout; every other molecule in valid; one row's SMILES wrong if asked."""
    n = len(smiles)
    charges = np.zeros((n, 29), dtype=np.int8)
    positions = np.zeros((n, 29, 3), dtype=np.float32)
    num_atoms = np.zeros(n, dtype=np.int8)
    listed = []
    for i, s in enumerate(smiles):
        mol = embedded(s, seed=i)
        k = mol.GetNumAtoms()
        num_atoms[i] = k
        charges[i, :k] = [a.GetAtomicNum() for a in mol.GetAtoms()]
        positions[i, :k] = mol.GetConformer().GetPositions() + 3.0  # not centred, as in QM9
        listed.append("CCCC" if i == wrong_smiles_row else s)
    np.savez(
        path,
        index=np.arange(1, n + 1, dtype=np.int32),
        num_atoms=num_atoms,
        charges=charges,
        positions=positions,
        split=(np.arange(n) % 2).astype(np.int8),
        smiles=np.array(listed),
    )
    return path
