"""``train_molecules``: a new graph model from QM9's SMILES, validated, saved, resumed."""

import json

from service.checkpoints import load_graph_model
from service.config import Settings
from service.molecules.train import MoleculeTrainingRun, train_molecules
from tests.chem.fixtures import write_tiny_qm9


def test_training_validates_saves_and_resumes(tmp_path):
    (tmp_path / "qm9").mkdir()
    write_tiny_qm9(tmp_path / "qm9" / "qm9_trainval.npz")
    settings = Settings(data_dir=tmp_path, cache_dir=tmp_path / "cache")
    checkpoint = tmp_path / "molecule-graph.pt"
    options = {"checkpoint": checkpoint, "hidden": 32, "layers": 1, "val_every": 10}
    train_molecules(MoleculeTrainingRun(steps=20, val_samples=8, **options), settings)
    card = json.loads(checkpoint.with_suffix(".json").read_text())["training"]
    assert [r["step"] for r in card["validation"]["history"]] == [10, 20]
    first = card["validation"]["history"][0]
    assert {"val_loss", "validity", "molecule_stability", "novelty", "size_kept"} <= set(first)
    assert (settings.cache_dir / "qm9-train-canonical-smiles.json").is_file()

    train_molecules(MoleculeTrainingRun(steps=30, val_samples=8, **options), settings)
    model = load_graph_model(checkpoint)
    assert model.steps == 30
    card = json.loads(checkpoint.with_suffix(".json").read_text())["training"]
    assert [r["step"] for r in card["validation"]["history"]] == [10, 20, 30]
    assert model.max_heavy_atoms == 5  # the largest of the tiny set's train split
    assert set(model.vocabulary.tokens) >= {"C", "O", "N"}
