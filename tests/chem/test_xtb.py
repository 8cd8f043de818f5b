"""GFN2-xTB through tblite: energies, minimisation, charged molecules, clear failures."""

import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import AllChem

from chem.xtb import gfn2_energy, relax_gfn2


def _embedded(smiles: str) -> tuple[Chem.Mol, np.ndarray]:
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    AllChem.EmbedMolecule(mol, randomSeed=7)
    return mol, mol.GetConformer().GetPositions()


def test_minimising_lowers_the_energy_and_keeps_the_atoms_in_place():
    mol, coords = _embedded("CCO")
    relaxed = relax_gfn2(mol, coords)
    assert relaxed.converged
    assert relaxed.energy < gfn2_energy(mol, coords) - 0.1
    assert relaxed.energy == pytest.approx(gfn2_energy(mol, relaxed.coords), abs=1e-6)
    assert np.abs(relaxed.coords - coords).max() < 0.5


def test_a_zwitterion_is_computed_with_its_charges_in_water():
    """Vacuum GFN2 often fails for zwitterions; in implicit water the energy is finite."""
    mol, coords = _embedded("[NH3+]CC(=O)[O-]")
    assert np.isfinite(gfn2_energy(mol, coords))


def test_a_failed_calculation_is_a_value_error():
    mol, coords = _embedded("CCO")
    with pytest.raises(ValueError, match="GFN2-xTB failed"):
        gfn2_energy(mol, np.zeros_like(coords))  # every atom on one point
