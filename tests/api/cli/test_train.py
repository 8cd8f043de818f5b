"""``qsdiff train``: the project's errors of a training run exit with their code and one line."""

import pytest

from api.cli.exit_codes import EXIT_CODES, report
from chem.featurize import ATOM_CARDINALITIES, PAIR_CARDINALITIES
from models.interpolant import Interpolant
from models.networks.conformer_net import ConformerNet, ConformerNetConfig
from models.training import TrainConfig, Trainer
from service import errors
from service.registry import ModelNotAvailable
from service.training.checkpoint_files import save_atomically
from tests.helpers import run_qsdiff


def test_a_checkpoint_of_another_treatment_exits_2_with_one_line(tmp_path):
    config = ConformerNetConfig(ATOM_CARDINALITIES, PAIR_CARDINALITIES, hidden=8, layers=1)
    trainer = Trainer(ConformerNet(config), TrainConfig("af3"), Interpolant())
    checkpoint = tmp_path / "conformer-af3.pt"
    save_atomically({**trainer.state_dict(), "net_config": config.to_dict()}, checkpoint)
    done = run_qsdiff(
        "train", "conformers", "--treatment", "quotient", "--checkpoint", str(checkpoint)
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"qsdiff train conformers: error: --treatment: {checkpoint} was trained with af3, "
        "not quotient"
    )


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.InvalidInput(errors.field_error("smiles", "not a\nmolecule")), 2),
        (ModelNotAvailable("task 'x' is not served"), 2),
        (errors.NotFound("no job 7"), 3),
        (errors.NotReady("the set is still building"), 4),
        (errors.OverQuota("too many jobs"), 5),
        (errors.ModelUnavailable("no checkpoint; train one"), 6),
        (errors.QsdiffError("something else"), 1),
    ],
)
def test_each_error_kind_has_its_own_exit_code_and_one_line(error, code, capsys):
    assert report(error, "qsdiff x") == code
    err = capsys.readouterr().err
    assert err.startswith("qsdiff x: error: ")
    assert err.count("\n") == 1
    assert len(set(EXIT_CODES.values())) == len(EXIT_CODES)


def test_drug_like_training_before_the_set_is_built_exits_4_with_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("QSDIFF_CACHE_DIR", str(tmp_path))  # no druglike folder in it
    done = run_qsdiff(
        "train", "conformers", "--treatment", "quotient", "--data", "druglike",
        "--checkpoint", str(tmp_path / "c.pt"), "--hidden", "8", "--layers", "1",
    )  # fmt: skip
    assert done.returncode == 4
    assert done.stderr == (
        "qsdiff train conformers: error: no training molecules in the druglike set yet: run "
        f"`qsdiff data druglike` first (it builds {tmp_path / 'druglike'})\n"
    )
    assert not (tmp_path / "c.pt").exists()
