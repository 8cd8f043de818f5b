"""Checkpoints are read as weights only: a file can carry tensors, never code."""

import pickle

import pytest
import torch

from service.checkpoints import load_conformer_model


class _RunsOnLoad:
    """Unpickling this calls ``marker.touch()``: code a checkpoint must never run."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (type(self.marker).touch, (self.marker,))


def test_a_checkpoint_that_would_run_code_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "conformer-quotient.pt"
    torch.save({"net": _RunsOnLoad(marker)}, path)
    with pytest.raises(pickle.UnpicklingError):
        load_conformer_model(path)
    assert not marker.exists()
