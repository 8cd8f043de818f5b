"""Conformer generation: packing never changes ODE samples; cancellation stops it."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from chem.featurize import ATOM_CARDINALITIES, PAIR_CARDINALITIES
from chem.molecules import read_smiles
from models.networks.conformer_net import ConformerNet, ConformerNetConfig
from models.samplers import SamplingCancelled
from models.tasks.conformer import SamplingConfig
from service.checkpoints import LoadedModel
from service.conformers import ConformerJob, generate_conformers


def _model():
    torch.manual_seed(0)
    config = ConformerNetConfig(ATOM_CARDINALITIES, PAIR_CARDINALITIES, hidden=16, layers=2)
    return LoadedModel(ConformerNet(config).eval(), "quotient", 0, Path("random.pt"))


def test_ode_samples_do_not_depend_on_packing():
    molecules = read_smiles(["CCO", "C[C@H](N)C(=O)O", "c1ccccc1"])
    job = ConformerJob(3, SamplingConfig("ode", 5), seed=4, max_atoms=4000)
    model = _model()
    together = [r.coords for r in generate_conformers(model, molecules, job)]
    one_by_one = [
        r.coords for r in generate_conformers(model, molecules, replace(job, max_atoms=1))
    ]
    assert len(together) == len(one_by_one) == 9
    for a, b in zip(together, one_by_one, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)
    other_seed = [r.coords for r in generate_conformers(model, molecules, replace(job, seed=5))]
    assert not np.allclose(other_seed[0], together[0])


def test_cancel_stops_generation():
    molecules = read_smiles(["CCCCO"])
    job = ConformerJob(2, SamplingConfig("ode", 50), seed=0)
    with pytest.raises(SamplingCancelled):
        list(generate_conformers(_model(), molecules, job, cancelled=lambda: True))
