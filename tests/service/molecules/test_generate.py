"""De novo generation in the service: packing-invariant samples, cancellation, output files."""

from pathlib import Path

import numpy as np
import torch
from rdkit import Chem

from chem.edm_metrics import ELEMENTS
from chem.generated import describe, write_molecule_files
from models.networks.molecule_net import MoleculeNet, MoleculeNetConfig
from models.samplers import SamplingConfig
from service.checkpoints import LoadedMoleculeModel
from service.config import Settings
from service.jobs.tasks import TASKS, MoleculeParams, TaskRun
from service.molecules.generate import MoleculeRequest, PackedMolecules
from service.registry import ModelRegistry
from tests.chem.fixtures import embedded

ODE = SamplingConfig("ode", 4)


def _model() -> LoadedMoleculeModel:
    torch.manual_seed(0)
    net = MoleculeNet(MoleculeNetConfig(len(ELEMENTS), hidden=16, layers=2)).eval()
    histogram = (0, 0, 0, 2, 5, 3)  # 3 to 5 atoms
    return LoadedMoleculeModel(net, "quotient", 0, Path("random.pt"), ELEMENTS, histogram)


def _positions(run: PackedMolecules) -> dict[int, list[np.ndarray]]:
    found: dict[int, list[np.ndarray]] = {}
    for r, molecule in run:
        found.setdefault(r, []).append(molecule.positions)
    return found


def test_molecules_do_not_depend_on_packing_or_on_other_requests():
    model = _model()
    first, second = MoleculeRequest(3, ODE, seed=1), MoleculeRequest(2, ODE, seed=2, num_atoms=4)
    together = _positions(PackedMolecules(model, [first, second], max_atoms=1000))
    apart = _positions(PackedMolecules(model, [first], max_atoms=4))
    assert [len(p) for p in together[1]] == [4, 4]
    for a, b in zip(together[0], apart[0], strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)
    other_seed = _positions(PackedMolecules(model, [MoleculeRequest(3, ODE, seed=3)]))
    assert not all(
        a.shape == b.shape and np.allclose(a, b)
        for a, b in zip(other_seed[0], apart[0], strict=True)
    )


def test_a_cancelled_request_is_dropped_and_the_other_finishes():
    model = _model()
    slow = SamplingConfig("ode", 30)
    requests = [MoleculeRequest(2, slow), MoleculeRequest(3, slow, seed=5)]
    run = PackedMolecules(model, requests, cancelled=lambda r: r == 0)
    found = _positions(run)
    assert run.cancelled_requests == {0}
    assert list(found) == [1]
    assert len(found[1]) == 3


def test_bonded_molecules_go_to_sdf_and_the_rest_to_flagged_xyz(tmp_path):
    mol = embedded("CCO")
    types = np.array([ELEMENTS.index(a.GetSymbol()) for a in mol.GetAtoms()])
    ethanol = describe(types, mol.GetConformer().GetPositions(), {"index": 0})
    assert ethanol.properties["molecule_stable"]
    assert ethanol.properties["valid"]
    assert ethanol.properties["bonds_from"] == "edm_tables"
    assert ethanol.properties["formula"] == "H6C2O"
    crowded = np.array([[0, 0, 0], [0.9, 0, 0], [-0.9, 0, 0], [0, 0.9, 0], [0, -0.9, 0.0]])
    broken = describe(np.array([3, 3, 3, 3, 3]), crowded, {"index": 1})  # five O in 1 A
    assert broken.mol is None
    in_sdf, in_xyz = write_molecule_files([ethanol, broken], tmp_path / "m.sdf", tmp_path / "m.xyz")
    assert (in_sdf, in_xyz) == (1, 1)
    read = list(Chem.SDMolSupplier(str(tmp_path / "m.sdf"), removeHs=False))
    assert Chem.MolToSmiles(Chem.RemoveHs(read[0])) == "CCO"
    assert read[0].GetProp("molecule_stable") == "true"
    xyz = (tmp_path / "m.xyz").read_text()
    assert xyz.startswith("5\nqsdiff-1 no sanitizable bonds (flagged)")
    assert Chem.MolFromXYZBlock(xyz).GetNumAtoms() == 5


def test_the_task_keeps_in_memory_the_files_it_writes_for_a_job(tmp_path):
    registry = ModelRegistry(Settings().checkpoint_dir)
    params = MoleculeParams(num_samples=3, num_atoms=9, num_steps=5, seed=2)
    (written,) = TASKS["molecules"].run([TaskRun(params, tmp_path / "out")], registry)
    (kept,) = TASKS["molecules"].run([TaskRun(params, None)], registry)
    assert written is not None
    assert kept is not None
    assert written.texts == {}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(written.files.values())
    assert kept.files == written.files
    assert kept.texts == {
        fmt: (tmp_path / "out" / name).read_text() for fmt, name in written.files.items()
    }
    assert kept.manifest["in_sdf"] + kept.manifest["in_xyz"] == 3
