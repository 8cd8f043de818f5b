"""Out-of-range command-line values are usage errors (exit 2) that name the option and its range,
caught by argparse before they reach numpy, RDKit or the optimiser as a traceback."""

import argparse

import pytest

from api.cli.commands import build_parser, main
from api.cli.options import float_in, int_in
from service.backbones.train import BackboneTrainingRun
from service.errors import InvalidInput


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["conformers", "CCO", "-o", "o.sdf", "--seed", "-1"], "--seed: must be between 0 and"),
        (["molecules", "-o", "o.sdf", "--seed", str(2**31)], "--seed: must be between 0 and"),
        (["conformers", "CCO", "-o", "o.sdf", "-n", "x"], "-n/--num-conformers: 'x' is not an"),
        (
            ["molecules", "-o", "o.sdf", "--heavy-atoms", "0"],
            "--heavy-atoms: must be at least 1, not 0",
        ),
        (["backbones", "--length", "50", "-o", "o.pdb", "--gamma", "-1"], "--gamma: must be at"),
        (["backbones", "--length", "50", "-o", "o.pdb", "--gamma", "nan"], "and at most 10"),
        (["backbones", "--length", "50", "-o", "o.pdb", "--steps", "1001"], "between 1 and 1000"),
        (["backbones", "--length", "50", "-o", "o.pdb", "-n", "1001"], "-n/--num-backbones:"),
        (["train", "conformers", "--treatment", "quotient", "--lr", "0"], "--lr: must be above 0"),
        (["train", "molecules", "--treatment", "af3", "--val-every", "0"], "--val-every: must"),
        (["train", "backbones", "--treatment", "quotient", "--batch-size", "0"], "--batch-size:"),
        (["aux", "ebc", "fit", "-o", "e.pt", "--seed", "-1"], "--seed: must be between 0 and"),
        (["aux", "meanfield", "run", "--sizes", "10", "1"], "--sizes: must be between 2 and"),
        (["aux", "latent", "train", "-o", "l.pt", "--threads", "0"], "--threads: must be at"),
        (["aux", "pdinet", "train", "-o", "p.pt", "--size", "8"], "--size: must be between 11"),
        (["aux", "equizero", "train", "-o", "q.pt", "--epochs", "0"], "--epochs: must be at"),
        (["serve", "--port", "99999"], "--port: must be between 0 and 65535"),
        (["serve", "--cpu-workers", "-1"], "--cpu-workers: must be at least 0"),
        (["worker", "--executor", "ray", "--count", "0"], "--count: must be at least 1"),
    ],
)
def test_out_of_range_values_are_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_the_bounds_themselves_are_accepted():
    assert int_in(0, 7)("7") == 7
    assert int_in(1)("12345678901234567890") == 12345678901234567890
    assert float_in(0.0, 10.0)("10") == 10.0
    with pytest.raises(argparse.ArgumentTypeError, match="above 0"):
        float_in(0.0, low_open=True)("0")


def test_a_longest_crop_below_the_shortest_is_refused(capsys):
    with pytest.raises(InvalidInput, match="--max-length: 40 is below --min-length"):
        BackboneTrainingRun(treatment="quotient", min_length=64, max_length=40)
    crops = ["--min-length", "64", "--max-length", "40"]
    assert main(["train", "backbones", "--treatment", "quotient", *crops]) == 2
    assert capsys.readouterr().err == (
        "qsdiff train backbones: error: --max-length: 40 is below --min-length (64)\n"
    )
