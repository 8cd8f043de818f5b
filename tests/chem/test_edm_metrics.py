"""EDM's metrics: known molecules, broken ones, and QM9's own geometries."""

import numpy as np
import pytest
from rdkit import Chem

from chem.edm_metrics import ELEMENTS, bond_orders, evaluate, stable_atoms
from chem.qm9_atoms import load_qm9_atoms
from service.config import Settings
from tests.chem.fixtures import embedded


def _types_positions(mol: Chem.Mol) -> tuple[np.ndarray, np.ndarray]:
    types = np.array([ELEMENTS.index(a.GetSymbol()) for a in mol.GetAtoms()])
    return types, mol.GetConformer().GetPositions()


@pytest.mark.parametrize(
    ("smiles", "orders"),
    [("CCO", {(0, 1): 1, (1, 2): 1}), ("CC#N", {(1, 2): 3}), ("CC(C)=O", {(1, 3): 2})],
)
def test_relaxed_molecules_get_their_bond_orders_and_are_stable(smiles, orders):
    types, positions = _types_positions(embedded(smiles))
    found = bond_orders(types, positions)
    for (i, j), order in orders.items():
        assert found[i, j] == found[j, i] == order
    assert stable_atoms(types, found).all()


def test_a_stretched_bond_makes_atoms_unstable_and_a_far_fragment_is_not_connected():
    types, positions = _types_positions(embedded("CCO"))
    stretched = positions.copy()
    stretched[2] += 2.0 * (positions[2] - positions[1])  # pull the O away
    assert not stable_atoms(types, bond_orders(types, stretched)).all()
    water_types, water = _types_positions(embedded("O"))
    pair = (np.concatenate([types, water_types]), np.concatenate([positions, water + 20.0]))
    metrics = evaluate([(types, positions), (types, stretched), pair], {"CCO"})
    assert metrics.molecule_stability == pytest.approx(2 / 3)
    assert metrics.validity == 1.0  # lenient, as in EDM: RDKit fills open valences with H
    assert metrics.connected_validity == pytest.approx(1 / 3)
    assert metrics.novelty is not None


def test_qm9_geometries_score_as_in_edm():
    npz = Settings().qm9_npz
    if not npz.is_file():
        pytest.skip(f"QM9 not found at {npz} (set QSDIFF_DATA_DIR)")
    data = load_qm9_atoms(npz)
    assert len(data) == 117_748
    stable = atoms = molecules = 0
    for types, positions in data:
        ok = stable_atoms(types, bond_orders(types, positions))
        stable, atoms, molecules = stable + ok.sum(), atoms + len(ok), molecules + ok.all()
    assert 0.952 <= molecules / len(data) <= 0.9535
    assert 0.993 <= stable / atoms <= 0.994
