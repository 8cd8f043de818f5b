from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem

from chem.crystal_ligands import read_crystal_ligands
from chem.druglike_sources import SelectionLimits, hash_order, interleave, select_molecule
from chem.ensembles import EnsembleRecipe, build_ensemble
from chem.etkdg import embed_conformers, rdkit_seed
from chem.forcefield import mmff_score
from chem.molecules import prepare_molecule
from chem.protonation import protonate

TUNING = Path(__file__).resolve().parents[2].parent / "shared/data/druglike/platinum_tune.sdf.gz"


@pytest.mark.parametrize(
    ("smiles", "expected"),
    [
        ("CC(=O)O", "CC(=O)[O-]"),
        ("CCN(C)C", "CC[NH+](C)C"),
        ("CC(=O)NC", "CNC(C)=O"),  # amide N stays neutral
        ("Nc1ccccc1", "Nc1ccccc1"),  # aniline stays neutral
        ("NC(=N)c1ccccc1", "NC(=[NH2+])c1ccccc1"),
        ("CS(=O)(=O)N=C(C)N", "CC(N)=NS(C)(=O)=O"),  # sulfonyl amidine stays neutral
    ],
)
def test_protonation_rules(smiles, expected):
    assert Chem.MolToSmiles(protonate(Chem.MolFromSmiles(smiles))) == expected


def test_etkdg_seed_zero_gives_distinct_conformers():
    mol = prepare_molecule(Chem.MolFromSmiles("CCCCOCCN"))
    coords = embed_conformers(mol, 5, seed=0)
    assert rdkit_seed(0) != 0
    assert coords.shape == (5, mol.GetNumAtoms(), 3)
    spread = [np.abs(coords[i] - coords[0]).max() for i in range(1, 5)]
    assert min(spread) > 1e-3


def test_ensemble_is_deduplicated_within_window_lowest_first():
    mol = prepare_molecule(Chem.MolFromSmiles("CCCCCC(=O)NCCO"))
    recipe = EnsembleRecipe()
    ensemble = build_ensemble(mol, 3, recipe)
    assert 1 <= len(ensemble.energies) <= recipe.max_conformers
    assert np.all(np.diff(ensemble.energies) >= 0)
    assert ensemble.energies[-1] - ensemble.energies[0] <= recipe.energy_window
    with pytest.raises(ValueError, match="seed 0"):
        build_ensemble(mol, 0, recipe)


def test_mmff_strain_is_zero_after_relaxing():
    mol = prepare_molecule(Chem.MolFromSmiles("CC(=O)Oc1ccccc1C(=O)O"))
    raw = mmff_score(mol, embed_conformers(mol, 1, seed=2)[0])
    assert raw.strain > 0.1
    assert mmff_score(mol, raw.relaxed).strain < 0.05


def test_selection_names_why_a_molecule_is_left_out():
    limits = SelectionLimits(max_heavy_atoms=10, protonated_share=0.0)
    with pytest.raises(ValueError, match="heavy atoms"):
        select_molecule("c1ccccc1CCCCCCCC", limits, frozenset())
    with pytest.raises(ValueError, match="element Se"):
        select_molecule("C[Se]C", limits, frozenset())
    key = Chem.MolToInchiKey(Chem.MolFromSmiles("CCO"))[:14]
    with pytest.raises(ValueError, match="excluded"):
        select_molecule("CCO", limits, frozenset({key}))
    # salts keep their largest fragment, and unassigned stereo gets one isomer
    chosen = select_molecule("CC(O)CC=CC.Cl", limits, frozenset())
    assert "." not in Chem.MolToSmiles(chosen)
    assert "@" in Chem.MolToSmiles(chosen)
    assert "/" in Chem.MolToSmiles(chosen)


def test_candidates_interleave_sources_in_a_fixed_order():
    sources = {"a": hash_order(["C", "CC", "CCC"]), "b": hash_order(["N"])}
    order = [(c.source, c.index) for c in interleave(sources)]
    assert order[:2] == [("a", 0), ("b", 1)]
    assert len(order) == 4
    assert hash_order(["CC", "C", "CCC", "C"]) == hash_order(["CCC", "C", "CC"])


@pytest.mark.skipif(not TUNING.is_file(), reason="the shared drug-like tuning split is absent")
def test_crystal_ligands_read_as_plain_molecules():
    ligands = []
    for ligand in read_crystal_ligands(TUNING):
        ligands.append(ligand)
        if len(ligands) == 5:
            break
    for ligand in ligands:
        assert all(not atom.HasQuery() for atom in ligand.reference.GetAtoms())
        assert ligand.reference.GetNumAtoms() < ligand.with_hydrogens.GetNumAtoms()
        parsed = Chem.MolFromSmiles(ligand.smiles)
        assert parsed.GetNumAtoms() == ligand.reference.GetNumAtoms()
        assert ligand.reference.GetSubstructMatch(parsed)
