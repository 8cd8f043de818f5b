"""Backbone generation in the service: packing-invariant samples and plans, cancellation,
several lengths and secondary-structure requests, files."""

from pathlib import Path

import numpy as np
import pytest
import torch

from chem.backbone_metrics import IDEAL_CA_CA, mean_ca_distance, radius_of_gyration
from chem.proteins import read_structure
from models.networks.backbone_net import BackboneNet, BackboneNetConfig
from models.samplers import SamplingConfig
from models.ss_plan import SegmentPlanModel
from service.backbones.generate import BackboneRequest, PackedBackbones
from service.checkpoints import LoadedBackboneModel, load_backbone_model
from service.config import Settings
from service.jobs.tasks import TASKS, BackboneParams, TaskRun
from service.registry import ModelRegistry
from tests.api.cli.test_backbones import save_tiny_backbone_checkpoint

ODE = SamplingConfig("ode", 4)


def _model() -> LoadedBackboneModel:
    torch.manual_seed(0)
    config = BackboneNetConfig(hidden=16, layers=1, heads=2, ss_conditioning=True)
    net = BackboneNet(config).eval()
    with torch.no_grad():
        net.readout.weight.normal_()
        net.embed_ss.weight.normal_()
    plans = SegmentPlanModel.fit(["LLLHHHHHHHHLLLEEEEELLLL", "LLEEEELLLEEEEL"])
    return LoadedBackboneModel(net, "quotient", 0, Path("random.pt"), plans)


def _traces(run: PackedBackbones) -> dict[int, list[np.ndarray]]:
    found: dict[int, list[np.ndarray]] = {}
    for r, generated in run:
        found.setdefault(r, []).append(generated.backbone.ca)
    return found


@pytest.mark.parametrize("sampling", [ODE, SamplingConfig("sde", 4)], ids=["ode", "sde"])
def test_backbones_do_not_depend_on_packing_and_carry_their_metrics(sampling):
    model = _model()
    first = BackboneRequest(3, 20, sampling, seed=1)
    second = BackboneRequest(2, 12, sampling, seed=2)
    together = _traces(PackedBackbones(model, [first, second], max_residues=1000))
    apart = _traces(PackedBackbones(model, [first], max_residues=20))
    assert [len(t) for t in together[1]] == [12, 12]
    for a, b in zip(together[0], apart[0], strict=True):
        np.testing.assert_allclose(a, b, atol=1e-4)
    assert np.abs(together[0][0] - together[0][1]).max() > 1e-2  # each its own draws
    (_, generated), *_ = PackedBackbones(model, [second])
    assert generated.backbone.coords.shape == (12, 4, 3)
    properties = generated.properties
    assert len(properties["secondary_structure"]) == len(properties["plan"]) == 12
    assert set(properties["plan"]) <= set("HEL")
    assert {"mean_ca_distance", "clashes", "radius_of_gyration", "helix", "strand"} <= set(
        properties
    )
    assert properties["helix"] == properties["secondary_structure"].count("H") / 12


def test_plans_come_from_the_seed_and_index_and_requests_set_them():
    model = _model()
    drawn = [b.properties["plan"] for _, b in PackedBackbones(model, [BackboneRequest(3, 30, ODE)])]
    again = [b.properties["plan"] for _, b in PackedBackbones(model, [BackboneRequest(3, 30, ODE)])]
    assert drawn == again
    assert len(set(drawn)) > 1  # each backbone its own plan
    letters = "L" * 5 + "H" * 20 + "L" * 5
    asked = BackboneRequest(2, 30, ODE, secondary_structure=letters)
    none = BackboneRequest(2, 30, ODE, plan="none")
    found = list(PackedBackbones(model, [asked, none]))
    assert [b.properties["plan"] for _, b in found] == [letters, letters, None, None]
    with_plan = found[0][1].backbone.ca
    without = next(b for r, b in found if r == 1).backbone.ca
    assert np.abs(with_plan - without).max() > 1e-3  # the same prior, other letters
    with pytest.raises(ValueError, match="guidance"):
        PackedBackbones(model, [asked, BackboneRequest(1, 30, ODE, guidance=3.0)])
    alpha = BackboneRequest(3, 30, ODE, fractions=(1.0, 0.0))
    alpha_plans = [b.properties["plan"] for _, b in PackedBackbones(model, [alpha])]
    assert all("E" not in plan for plan in alpha_plans)
    assert sum(p.count("H") for p in alpha_plans) > sum(p.count("H") for p in drawn)


def test_a_cancelled_request_is_dropped():
    slow = SamplingConfig("ode", 30)
    run = PackedBackbones(
        _model(),
        [BackboneRequest(2, 16, slow), BackboneRequest(1, 16, slow, seed=3)],
        cancelled=lambda r: r == 0,
    )
    assert list(_traces(run)) == [1]
    assert run.cancelled_requests == {0}


def test_the_task_writes_pdb_and_mmcif_that_read_back_or_keeps_them_in_memory(tmp_path):
    checkpoint_dir = tmp_path / "checkpoints"
    save_tiny_backbone_checkpoint(checkpoint_dir / "backbone-quotient.pt")
    registry = ModelRegistry(checkpoint_dir)
    params = BackboneParams(lengths=[30, 20], num_samples=2, num_steps=3, seed=4)
    (output,) = TASKS["backbones"].run([TaskRun(params, tmp_path / "out")], registry)
    assert output is not None
    for fmt in ("pdb", "cif"):
        chains = read_structure(tmp_path / "out" / output.files[fmt], split_breaks=False)
        assert [len(c) for c in chains] == [30, 30, 20, 20]
    assert "treatment=quotient" in (tmp_path / "out" / "backbones.pdb").read_text()
    assert [s["index"] for s in output.manifest["samples"]] == [0, 1, 2, 3]
    (kept,) = TASKS["backbones"].run([TaskRun(params, None)], registry)
    assert kept is not None
    assert kept.files == output.files
    assert kept.texts == {
        fmt: (tmp_path / "out" / name).read_text() for fmt, name in output.files.items()
    }


@pytest.mark.parametrize("treatment", ["quotient", "equivariant"])
def test_shipped_checkpoints_sample_protein_like_chains(treatment):
    """A guard on the shipped weights, served settings: spacing, room, size, some structure."""
    path = Settings().checkpoint_dir / f"backbone-{treatment}.pt"
    if not path.is_file():
        pytest.skip(f"no shipped checkpoint {path.name}")
    request = BackboneRequest(4, 80, SamplingConfig("sde", 50), seed=0)
    found = [b for _, b in PackedBackbones(load_backbone_model(path), [request])]
    chains = [b.backbone.ca for b in found]
    assert abs(np.mean([mean_ca_distance(ca) for ca in chains]) - IDEAL_CA_CA) < 0.05
    assert np.mean([b.properties["clashes"] for b in found]) / 80 < 0.02
    assert np.mean([radius_of_gyration(ca) for ca in chains]) < 17.0  # a random coil: ~27 A
    assert np.mean([b.properties["helix"] + b.properties["strand"] for b in found]) > 0.15


def test_a_checkpoint_of_an_older_network_is_refused_by_name(tmp_path):
    path = save_tiny_backbone_checkpoint(tmp_path / "backbone-quotient.pt")
    state = torch.load(path, weights_only=False)
    state["ema"] = {k: v for k, v in state["ema"].items() if "offset_bias" not in k}
    torch.save(state, path)
    with pytest.raises(ValueError, match="older qsdiff") as refused:
        load_backbone_model(path)
    assert "offset_bias" in str(refused.value)
    loaded = load_backbone_model(save_tiny_backbone_checkpoint(path))
    assert loaded.ss_conditioned
    assert loaded.plans is not None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"length": 9}, "greater than or equal to 10"),
        ({"length": 513}, "less than or equal to 512"),
        ({"lengths": [20, 9]}, "lengths: 9 is outside 10-512 residues"),
        ({"length": 20, "lengths": [20]}, "either length or lengths"),
        ({}, "either length or lengths"),
        ({"length": 12, "secondary_structure": "HHHH"}, "has 4 letters for length 12"),
        ({"length": 4 + 8, "secondary_structure": "HHHH" + "hhhhxxxx"}, "'h', 'x' are not"),
        ({"lengths": [12, 12], "secondary_structure": "H" * 12}, "needs length"),
        ({"length": 20, "helix_fraction": 0.7, "strand_fraction": 0.4}, "is 1.1, over 1"),
        ({"length": 12, "helix_fraction": 1, "secondary_structure": "H" * 12}, "not both"),
        ({"length": 20, "strand_fraction": 0.5, "plan": "none"}, "need plan 'sample'"),
        ({"length": 20, "helix_fraction": 1.5}, "less than or equal to 1"),
    ],
)
def test_bad_parameters_name_what_is_wrong(fields, message):
    with pytest.raises(ValueError, match=message):
        BackboneParams(**fields)


def test_the_field_that_asks_for_letters_is_named():
    assert BackboneParams(length=20).asks_for_letters is None
    assert BackboneParams(length=20, strand_fraction=0.3).asks_for_letters == "strand_fraction"
    letters = BackboneParams(length=10, secondary_structure="H" * 10)
    assert letters.asks_for_letters == "secondary_structure"
