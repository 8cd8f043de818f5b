"""Resuming training: a checkpoint keeps its rate, batch size and loss weights unless options
replace them; one trained with another treatment is refused with the project's error."""

from dataclasses import dataclass
from typing import ClassVar

import pytest

from chem.featurize import ATOM_CARDINALITIES, PAIR_CARDINALITIES
from models.interpolant import Interpolant
from models.networks.conformer_net import ConformerNet, ConformerNetConfig
from models.training import TrainConfig, Trainer
from service.errors import InvalidInput
from service.training.checkpoint_files import save_atomically
from service.training.loop import load_resumable, resumed_or_new_config
from service.training.options import OptimiserDefaults, TrainingRun


@dataclass(frozen=True, kw_only=True)
class _TinyRun(TrainingRun):
    NEW_MODEL: ClassVar[OptimiserDefaults] = OptimiserDefaults(
        lr=5e-4, batch_size=4, weight_floor=0.01
    )

    hidden: int = 8
    layers: int = 1
    val_every: int = 1


def _saved_state(lr: float, treatment: str = "quotient") -> dict:
    config = ConformerNetConfig(ATOM_CARDINALITIES, PAIR_CARDINALITIES, hidden=8, layers=1)
    return Trainer(ConformerNet(config), TrainConfig(treatment, lr=lr), Interpolant()).state_dict()


def _args(
    lr: float | None, weight_floor: float | None = None, batch_size: int | None = None
) -> _TinyRun:
    return _TinyRun(treatment="quotient", lr=lr, batch_size=batch_size, weight_floor=weight_floor)


def test_a_new_model_takes_the_task_default_or_the_given_rate():
    assert resumed_or_new_config(_args(None), None).lr == 5e-4
    assert resumed_or_new_config(_args(2e-3), None).lr == 2e-3
    assert resumed_or_new_config(_args(None), None).weight_floor == 0.01
    assert resumed_or_new_config(_args(None, weight_floor=0.5), None).weight_floor == 0.5


def test_a_resumed_model_keeps_its_rate_unless_one_is_given():
    state = _saved_state(lr=1e-3)
    assert resumed_or_new_config(_args(None), state).lr == 1e-3
    lowered = resumed_or_new_config(_args(2e-4), state)
    assert lowered.lr == 2e-4
    config = ConformerNetConfig(ATOM_CARDINALITIES, PAIR_CARDINALITIES, hidden=8, layers=1)
    resumed = Trainer(ConformerNet(config), lowered, Interpolant())
    resumed.load_state_dict(state)  # the saved optimiser state says 1e-3
    assert [group["lr"] for group in resumed.optimizer.param_groups] == [2e-4]


def test_a_resumed_model_keeps_its_loss_weights_unless_a_floor_is_given():
    state = _saved_state(lr=1e-3)  # saved with the default floor, 0.1
    assert resumed_or_new_config(_args(None), state).weight_floor == 0.1
    changed = resumed_or_new_config(_args(None, weight_floor=0.01), state)
    assert (changed.weight_floor, changed.lr) == (0.01, 1e-3)


def test_a_resumed_model_keeps_its_batch_size_unless_one_is_given():
    assert resumed_or_new_config(_args(None), None).batch_size == 4
    assert resumed_or_new_config(_args(None, batch_size=8), None).batch_size == 8
    state = _saved_state(lr=1e-3)  # saved with TrainConfig's batch size, 64
    assert resumed_or_new_config(_args(None), state).batch_size == 64
    changed = resumed_or_new_config(_args(None, batch_size=256), state)
    assert (changed.batch_size, changed.lr) == (256, 1e-3)


def test_a_checkpoint_of_another_treatment_is_invalid_input(tmp_path):
    path = tmp_path / "conformer-quotient.pt"
    save_atomically(_saved_state(lr=1e-3, treatment="af3"), path)
    with pytest.raises(InvalidInput, match="was trained with af3, not quotient") as error:
        load_resumable(path, "cpu", "quotient")
    assert error.value.errors[0]["loc"] == ["treatment"]
    assert load_resumable(path, "cpu", "af3")["steps"] == 0
    assert load_resumable(tmp_path / "none.pt", "cpu", "quotient") is None
