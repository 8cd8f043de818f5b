"""Conformer generation: packing (within and across requests) never changes ODE samples;
cancellation stops a request."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from chem.checks import graph_recovered
from chem.domain import QM9_DOMAIN
from chem.featurize import ATOM_CARDINALITIES, PAIR_CARDINALITIES
from chem.molecules import read_smiles
from chem.xtb import gfn2_energy
from models.networks.conformer_net import ConformerNet, ConformerNetConfig
from models.samplers import SamplingCancelled, SamplingConfig
from service.checkpoints import LoadedConformerModel
from service.conformers.generate import (
    ConformerJob,
    ConformerRequest,
    PackedRun,
    generate_conformers,
)

ODE = SamplingConfig("ode", 5)


def _model():
    torch.manual_seed(0)
    config = ConformerNetConfig(ATOM_CARDINALITIES, PAIR_CARDINALITIES, hidden=16, layers=2)
    return LoadedConformerModel(
        ConformerNet(config).eval(), "quotient", 0, Path("random.pt"), QM9_DOMAIN
    )


def test_ode_samples_do_not_depend_on_packing():
    molecules = read_smiles(["CCO", "C[C@H](N)C(=O)O", "c1ccccc1"])
    job = ConformerJob(3, SamplingConfig("ode", 5), seed=4)
    model = _model()
    together = [r.coords for r in generate_conformers(model, molecules, job)]
    one_by_one = [r.coords for r in generate_conformers(model, molecules, job, max_atoms=1)]
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


def test_requests_packed_together_get_their_solo_samples():
    model = _model()
    first = ConformerRequest(read_smiles(["CCO", "c1ccccc1"]), ConformerJob(2, ODE, seed=1))
    second = ConformerRequest(read_smiles(["CC(=O)N"]), ConformerJob(3, ODE, seed=2))
    packed = list(PackedRun(model, [first, second]))
    assert [r for r, _ in packed] == [0, 0, 0, 0, 1, 1, 1]
    for r, request in enumerate((first, second)):
        solo = list(generate_conformers(model, request.molecules, request.job))
        together = [record for i, record in packed if i == r]
        for a, b in zip(solo, together, strict=True):
            assert a.properties == b.properties
            np.testing.assert_allclose(a.coords, b.coords, atol=1e-5)


def test_a_cancelled_request_leaves_the_pack_and_the_others_finish():
    model = _model()
    requests = [
        ConformerRequest(read_smiles(["CCCO"]), ConformerJob(2, SamplingConfig("ode", 30))),
        ConformerRequest(read_smiles(["CCN"]), ConformerJob(2, SamplingConfig("ode", 30))),
    ]
    finished: dict[int, int] = {0: 0, 1: 0}
    run = PackedRun(
        model,
        requests,
        progress=lambda r, n: finished.__setitem__(r, finished[r] + n),
        cancelled=lambda r: r == 0,
    )
    records = list(run)
    assert run.cancelled_requests == {0}
    assert [r for r, _ in records] == [1, 1]
    assert finished == {0: 0, 1: 2}


def test_requests_with_different_sampler_settings_do_not_pack():
    requests = [
        ConformerRequest(read_smiles(["C"]), ConformerJob(1, SamplingConfig("ode", 5))),
        ConformerRequest(read_smiles(["C"]), ConformerJob(1, SamplingConfig("ode", 6))),
    ]
    with pytest.raises(ValueError, match="one sampler setting"):
        PackedRun(_model(), requests)


def test_etkdg_start_keeps_the_graph_and_relaxed_records_carry_their_checks():
    """A random network barely moves an ETKDG start noised to t = 0.9; relaxed, little strain."""
    molecules = read_smiles(["CC(=O)NC(C)CO"])
    sampling = SamplingConfig("ode", 3, start_time=0.9)
    job = ConformerJob(2, sampling, seed=3, start="etkdg", relax="mmff")
    records = list(generate_conformers(_model(), molecules, job))
    assert len(records) == 2
    for record in records:
        assert graph_recovered(molecules[0].mol, record.coords)
        assert record.properties["start"] == "etkdg"
        # minimised with screened charges, scored in vacuum: a few kcal/mol of H-bonding
        assert record.properties["mmff94_strain"] < 5.0
        assert record.properties["posebusters_pass"] == 1
        assert record.properties["in_domain"] == 1


def test_gfn2_relaxed_records_carry_their_gfn2_energy():
    """relax="gfn2" lowers the GFN2 energy of the MMFF94-relaxed conformer it starts from."""
    molecules = read_smiles(["C[NH3+]"])
    sampling = SamplingConfig("ode", 2, start_time=0.9)
    mmff, gfn2 = (
        next(iter(generate_conformers(_model(), molecules, job)))
        for job in (
            ConformerJob(1, sampling, seed=3, start="etkdg", relax="mmff-local", checks=False),
            ConformerJob(1, sampling, seed=3, start="etkdg", relax="gfn2", checks=False),
        )
    )
    assert "gfn2_energy" not in mmff.properties
    assert gfn2.properties["relax"] == "gfn2"
    assert gfn2.properties["gfn2_energy"] < gfn2_energy(molecules[0].mol, mmff.coords) - 0.01
    assert graph_recovered(molecules[0].mol, gfn2.coords)


def test_molecules_outside_the_training_domain_are_flagged():
    molecules = read_smiles(["CC(C)Cc1ccc(C(C)C(=O)O)cc1"])  # ibuprofen: 15 heavy atoms
    job = ConformerJob(1, ODE, seed=0, checks=False)
    (record,) = generate_conformers(_model(), molecules, job)
    assert record.properties["in_domain"] == 0
    assert "15 heavy atoms" in record.properties["domain_notes"]
    assert "mmff94_energy" not in record.properties


@pytest.mark.parametrize(("start", "start_time"), [("etkdg", 0.0), ("noise", 0.5)])
def test_start_and_start_time_must_agree(start, start_time):
    with pytest.raises(ValueError, match="start"):
        ConformerJob(1, SamplingConfig("ode", 5, start_time=start_time), start=start)
