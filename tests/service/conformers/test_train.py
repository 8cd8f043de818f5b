"""Training conformers through the library: a bad option is the project's error, not an exit."""

import pytest

from chem.featurize import ATOM_CARDINALITIES, PAIR_CARDINALITIES
from models.interpolant import Interpolant
from models.networks.conformer_net import ConformerNet, ConformerNetConfig
from models.training import TrainConfig, Trainer
from service.config import Settings
from service.conformers.train import ConformerTrainingRun, train_conformers
from service.errors import InvalidInput, NotReady
from service.training.checkpoint_files import save_atomically


def test_resuming_a_checkpoint_of_another_treatment_raises_invalid_input(tmp_path):
    config = ConformerNetConfig(ATOM_CARDINALITIES, PAIR_CARDINALITIES, hidden=8, layers=1)
    trainer = Trainer(ConformerNet(config), TrainConfig("af3"), Interpolant())
    checkpoint = tmp_path / "conformer-quotient.pt"
    save_atomically({**trainer.state_dict(), "net_config": config.to_dict()}, checkpoint)
    run = ConformerTrainingRun(treatment="quotient", checkpoint=checkpoint, steps=1)
    with pytest.raises(InvalidInput, match=r"--treatment: .* was trained with af3, not quotient"):
        train_conformers(run, Settings(checkpoint_dir=tmp_path))


@pytest.mark.parametrize("begun", [True, False], ids=["no-shard-yet", "no-folder"])
def test_a_drug_like_set_without_molecules_yet_raises_not_ready(tmp_path, begun):
    if begun:
        (tmp_path / "druglike").mkdir()  # a build that has written no shard yet
    run = ConformerTrainingRun(
        treatment="quotient", checkpoint=tmp_path / "c.pt", data="druglike", val_molecules=1
    )
    with pytest.raises(NotReady, match=r"no training molecules .* run `qsdiff data druglike`"):
        train_conformers(run, Settings(cache_dir=tmp_path))
    assert not (tmp_path / "c.pt").exists()
