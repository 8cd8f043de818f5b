"""Backbone generation in the service: packing-invariant samples, cancellation, files."""

from pathlib import Path

import numpy as np
import pytest
import torch

from chem.backbone_metrics import IDEAL_CA_CA, mean_ca_distance, radius_of_gyration
from chem.proteins import read_structure
from models.networks.backbone_net import BackboneNet, BackboneNetConfig
from models.samplers import SamplingConfig
from service.backbones.generate import BackboneRequest, PackedBackbones
from service.checkpoints import LoadedModel, load_backbone_model
from service.config import Settings
from service.jobs.tasks import TASKS, BackboneParams, TaskRun
from service.registry import ModelRegistry
from tests.api.cli.test_backbones import save_tiny_backbone_checkpoint

ODE = SamplingConfig("ode", 4)


def _model() -> LoadedModel:
    torch.manual_seed(0)
    net = BackboneNet(BackboneNetConfig(hidden=16, layers=1, heads=2)).eval()
    return LoadedModel(net, "quotient", 0, Path("random.pt"))


def _traces(run: PackedBackbones) -> dict[int, list[np.ndarray]]:
    found: dict[int, list[np.ndarray]] = {}
    for r, generated in run:
        found.setdefault(r, []).append(generated.backbone.ca)
    return found


def test_backbones_do_not_depend_on_packing_and_carry_their_metrics():
    model = _model()
    first, second = BackboneRequest(3, 20, ODE, seed=1), BackboneRequest(2, 12, ODE, seed=2)
    together = _traces(PackedBackbones(model, [first, second], max_residues=1000))
    apart = _traces(PackedBackbones(model, [first], max_residues=20))
    assert [len(t) for t in together[1]] == [12, 12]
    for a, b in zip(together[0], apart[0], strict=True):
        np.testing.assert_allclose(a, b, atol=1e-4)
    (_, generated), *_ = PackedBackbones(model, [second])
    assert generated.backbone.coords.shape == (12, 4, 3)
    assert len(generated.properties["dssp"]) == 12
    assert {"mean_ca_distance", "clashes", "radius_of_gyration", "helix"} <= set(
        generated.properties
    )


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
    params = BackboneParams(length=30, num_samples=2, num_steps=3, seed=4)
    (output,) = TASKS["backbones"].run([TaskRun(params, tmp_path / "out")], registry)
    assert output is not None
    for fmt in ("pdb", "cif"):
        chains = read_structure(tmp_path / "out" / output.files[fmt], split_breaks=False)
        assert [len(c) for c in chains] == [30, 30]
    assert "treatment=quotient" in (tmp_path / "out" / "backbones.pdb").read_text()
    assert len(output.manifest["samples"]) == 2
    (kept,) = TASKS["backbones"].run([TaskRun(params, None)], registry)
    assert kept is not None
    assert kept.files == output.files
    assert kept.texts == {
        fmt: (tmp_path / "out" / name).read_text() for fmt, name in output.files.items()
    }


@pytest.mark.parametrize("treatment", ["quotient", "equivariant"])
def test_shipped_checkpoints_sample_protein_like_chains(treatment):
    """A guard on the shipped weights: spacing and compactness of a few length-80 chains."""
    path = Settings().checkpoint_dir / f"backbone-{treatment}.pt"
    if not path.is_file():
        pytest.skip(f"no shipped checkpoint {path.name}")
    request = BackboneRequest(4, 80, SamplingConfig("ode", 50), seed=0)
    chains = [b.backbone.ca for _, b in PackedBackbones(load_backbone_model(path), [request])]
    spacing = np.mean([mean_ca_distance(ca) for ca in chains])
    assert abs(spacing - IDEAL_CA_CA) < 0.25
    assert np.mean([radius_of_gyration(ca) for ca in chains]) < 17.0  # a random coil: ~27 A


def test_a_checkpoint_of_an_older_network_is_refused_by_name(tmp_path):
    path = save_tiny_backbone_checkpoint(tmp_path / "backbone-quotient.pt")
    state = torch.load(path, weights_only=False)
    state["ema"] = {k: v for k, v in state["ema"].items() if "offset_bias" not in k}
    torch.save(state, path)
    with pytest.raises(ValueError, match="older qsdiff") as refused:
        load_backbone_model(path)
    assert "offset_bias" in str(refused.value)
    assert isinstance(load_backbone_model(save_tiny_backbone_checkpoint(path)), LoadedModel)
