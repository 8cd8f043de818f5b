"""Reference conformer ensembles on a budget: ETKDGv3 seeds -> MMFF94 -> window -> de-duplication.

The way the field builds reference ensembles without a metadynamics search (CREST): many
distance-geometry starts, each minimised in MMFF94, then those within an energy window of the
lowest kept, with near-duplicates (heavy-atom RMSD below a threshold, symmetry-aware) removed,
lowest energy first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from rdkit import Chem
from rdkit.Chem import AllChem, rdMolAlign
from rdkit.Chem.rdForceFieldHelpers import MMFFHasAllMoleculeParams, MMFFOptimizeMoleculeConfs

__all__ = ["Ensemble", "EnsembleRecipe", "build_ensemble"]


@dataclass(frozen=True)
class EnsembleRecipe:
    """How an ensemble is built; recorded whole in the data set's model card."""

    seeds_base: int = 6  # ETKDG starts for a rigid molecule ...
    seeds_per_rotor: int = 1  # ... plus this many per rotatable bond ...
    seeds_max: int = 16  # ... at most
    mmff_max_iters: int = 300
    energy_window: float = 10.0  # kcal/mol above the lowest minimum
    rmsd_threshold: float = 0.5  # Å, heavy atoms, symmetry-aware
    max_conformers: int = 8

    def to_dict(self) -> dict:
        """Plain dict for the model card."""
        return asdict(self)


@dataclass(frozen=True)
class Ensemble:
    """Kept conformers of one molecule, lowest energy first."""

    coords: np.ndarray  # [C, N, 3] Å
    energies: np.ndarray  # [C] MMFF94 kcal/mol
    starts: int  # ETKDG starts that embedded


def _heavy_copy(mol: Chem.Mol) -> Chem.Mol:
    return Chem.RemoveHs(mol, sanitize=False)


def build_ensemble(mol: Chem.Mol, seed: int, recipe: EnsembleRecipe) -> Ensemble:
    """The ensemble of ``mol`` (explicit hydrogens, stereo assigned).

    ``seed`` must be non-zero (RDKit's seed 0 repeats one conformer). Raises ``ValueError``
    when ETKDG embeds nothing or MMFF94 has no parameters for the molecule.
    """
    if seed == 0:
        raise ValueError("seed 0 makes ETKDG repeat one conformer; use a non-zero seed")
    if not MMFFHasAllMoleculeParams(mol):
        raise ValueError("MMFF94 has no parameters for this molecule")
    rotors = Chem.rdMolDescriptors.CalcNumRotatableBonds(mol)
    starts = min(recipe.seeds_base + recipe.seeds_per_rotor * rotors, recipe.seeds_max)
    params = AllChem.ETKDGv3()
    params.randomSeed = seed
    params.numThreads = 1
    work = Chem.Mol(mol)
    ids = list(AllChem.EmbedMultipleConfs(work, numConfs=starts, params=params))
    if not ids:
        raise ValueError("ETKDGv3 could not embed the molecule")
    results = MMFFOptimizeMoleculeConfs(work, numThreads=1, maxIters=recipe.mmff_max_iters)
    energies = np.array([energy for _, energy in results])
    order = np.argsort(energies)
    lowest = energies[order[0]]
    heavy = _heavy_copy(work)
    kept: list[int] = []
    for conf in order:
        if energies[conf] - lowest > recipe.energy_window or len(kept) == recipe.max_conformers:
            break
        conf_id = ids[conf]
        if all(
            rdMolAlign.GetBestRMS(heavy, heavy, ids[k], conf_id, maxMatches=1000)
            >= recipe.rmsd_threshold
            for k in kept
        ):
            kept.append(int(conf))
    coords = np.stack([work.GetConformer(ids[k]).GetPositions() for k in kept])
    return Ensemble(coords.astype(np.float32), energies[kept].astype(np.float32), len(ids))
