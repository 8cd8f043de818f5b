"""``qsdiff aux MODEL``: bad input and a missing checkpoint exit through the one error mapping."""

import json

import numpy as np
import pytest

from tests.helpers import run_qsdiff


@pytest.mark.parametrize("model", ["pdinet", "equizero", "latent"])
def test_a_missing_checkpoint_exits_6_with_one_line(model, tmp_path):
    image = tmp_path / "image.npy"
    np.save(image, np.zeros((24, 24)))
    args = {
        "pdinet": ("classify", str(image), "--checkpoint-dir", str(tmp_path)),
        "equizero": ("classify", "--image", json.dumps([[0] * 8] * 8), "--checkpoint-dir",
                     str(tmp_path)),
        "latent": ("transform", "--input", str(image), "--angle", "30", "--checkpoint",
                   str(tmp_path / "aux-latent.pt")),
    }[model]  # fmt: skip
    done = run_qsdiff("aux", model, *args)
    assert done.returncode == 6
    assert done.stderr.startswith(f"qsdiff aux {model}: error: no ")
    assert "checkpoint at" in done.stderr
    assert done.stderr.count("\n") == 1


def test_bad_cogs_input_exits_2_with_one_line():
    done = run_qsdiff("aux", "cogs", "construct", "--moduli", "1")
    assert done.returncode == 2
    assert done.stderr == "qsdiff aux cogs: error: moduli: expected integers >= 2, got [1]\n"


def test_a_file_that_is_no_encoder_exits_2_with_one_line(tmp_path):
    encoder = tmp_path / "encoder.pt"
    encoder.write_text("not an encoder")
    inputs = tmp_path / "inputs.json"
    inputs.write_text("[[0.0, 1.0]]")
    done = run_qsdiff("aux", "ebc", "embed", str(encoder), str(inputs))
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"qsdiff aux ebc: error: {encoder} is not an encoder saved by fit ("
    )
    assert done.stderr.count("\n") == 1
