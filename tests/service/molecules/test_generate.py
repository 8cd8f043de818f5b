"""De novo generation: graphs from (seed, index) alone, atoms placed, records with their checks."""

import re

import pytest
from rdkit import Chem

from service.checkpoints import load_conformer_model, load_graph_model
from service.molecules.generate import PackedMolecules, molecule_graphs
from service.molecules.task import MoleculeParams, MoleculeTask
from tests.graph_model import graph_model_folder


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = graph_model_folder(tmp_path_factory.mktemp("models"))
    return (
        load_graph_model(folder / "molecule-graph.pt"),
        load_conformer_model(folder / "conformer-quotient.pt"),
    )


def _request(graph_model, **params):
    return MoleculeTask.request(MoleculeParams(num_steps=3, relax="none", **params), graph_model)


def _smiles(run: PackedMolecules) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for r, molecule in run:
        found.setdefault(r, []).append(molecule.properties["generated_smiles"])
    return found


def test_molecules_do_not_depend_on_the_other_requests_of_a_batch(models):
    first, second = (
        _request(models[0], num_samples=5, seed=1),
        _request(models[0], num_samples=3, seed=2),
    )
    together = _smiles(PackedMolecules(*models, [first, second]))
    apart = _smiles(PackedMolecules(*models, [first]))
    assert together[0] == apart[0]
    assert len(together[1]) == 3
    again = _smiles(PackedMolecules(*models, [_request(models[0], num_samples=5, seed=3)]))
    assert again[0] != apart[0]


def test_each_record_is_its_graph_with_coordinates_and_its_checks(models):
    molecules = [
        m for _, m in PackedMolecules(*models, [_request(models[0], num_samples=6, seed=4)])
    ]
    assert [m.properties["index"] for m in molecules] == list(range(6))
    placed = [m for m in molecules if m.mol is not None]
    assert placed
    for molecule in placed:
        mol, props = molecule.mol, molecule.properties
        assert mol.GetNumConformers() == 1
        assert mol.GetNumAtoms() == len(molecule.positions) == props["num_atoms"]
        assert Chem.CanonSmiles(props["smiles"], useChiral=0) == Chem.CanonSmiles(
            props["generated_smiles"]
        )
        for key in ("atom_stability", "edm_molecule_stable", "mmff94_strain", "posebusters_pass"):
            assert key in props, key
        assert props["valid"] is True


def test_a_requested_size_is_drawn_again_until_kept(models):
    graph_model, _ = models
    asked = {"num_samples": 20, "num_heavy_atoms": 6, "seed": 5, "temperature": 2.0}
    once = molecule_graphs(graph_model, _request(graph_model, **asked, max_attempts=1))
    retried = molecule_graphs(graph_model, _request(graph_model, **asked, max_attempts=8))
    kept_once = sum(draw.size_kept for draw, _ in once)
    kept_retried = sum(draw.size_kept for draw, _ in retried)
    assert kept_retried > kept_once
    assert all(attempts == 1 for _, attempts in once)
    assert max(attempts for _, attempts in retried) > 1


def test_a_graph_that_is_no_molecule_stays_in_the_manifest_only(models):
    hot = _request(
        models[0], num_samples=12, seed=6, temperature=2.0, max_attempts=1
    )  # some nonsense
    molecules = [m for _, m in PackedMolecules(*models, [hot])]
    failed = [m for m in molecules if m.mol is None]
    assert failed, "expected some failed graphs at temperature 2"
    assert all(not m.properties["valid"] and not m.properties["molecule_stable"] for m in failed)
    assert len(molecules) == 12


def test_a_cancelled_request_is_dropped_and_the_other_finishes(models):
    requests = [
        _request(models[0], num_samples=3, seed=7),
        _request(models[0], num_samples=4, seed=8),
    ]
    run = PackedMolecules(*models, requests, cancelled=lambda r: r == 0)
    found = _smiles(run)
    assert run.cancelled_requests == {0}
    assert len(found[1]) == 4


def test_a_scaffold_is_kept_by_drawing_again(models):
    graph_model, _ = models
    asked = {"num_samples": 12, "seed": 9, "scaffold": "C#N", "num_heavy_atoms": 3}
    once = molecule_graphs(graph_model, _request(graph_model, **asked, max_attempts=1))
    retried = molecule_graphs(graph_model, _request(graph_model, **asked, max_attempts=30))
    nitrile = Chem.MolFromSmiles("C#N")

    def holding(graphs):
        return sum(bool(d.mol and d.mol.HasSubstructMatch(nitrile)) for d, _ in graphs)

    assert holding(once) < 12
    assert holding(retried) == 12
    molecules = [
        m for _, m in PackedMolecules(*models, [_request(graph_model, **asked, max_attempts=30)])
    ]
    assert all(m.properties["scaffold_kept"] for m in molecules)


@pytest.mark.parametrize(
    ("scaffold", "message"),
    [
        ("C1CC", "RDKit could not parse"),
        ("CS", "element(s) S of 'CS' are not among the model's (C, N, O)"),
        ("CCCCCCCC", "has 8 heavy atoms; the model knows at most 6"),
    ],
)
def test_a_scaffold_the_model_cannot_keep_is_refused(models, scaffold, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        _request(models[0], scaffold=scaffold)
