"""``qsdiff backbones``, ``qsdiff pack-backbones`` and ``qsdiff train backbones``: PDB / mmCIF
out with remarks, several lengths and secondary-structure requests, clear usage errors, a folder
packed into an npz set and trained on, a resumed run that changes its batch size and gains
self- and secondary-structure conditioning."""

import json
from pathlib import Path

import pytest
import torch

from api.cli.commands import main
from chem.backbone import rebuild_backbone
from chem.proteins import (
    Backbone,
    load_backbones,
    read_structure,
    write_backbone_set,
    write_backbones,
)
from models.networks.backbone_net import BackboneNet, BackboneNetConfig
from models.ss_plan import SegmentPlanModel
from service.config import Settings
from service.training.checkpoint_files import save_atomically
from tests.helpers import run_qsdiff


def save_tiny_backbone_checkpoint(
    path: Path, treatment: str = "quotient", *, ss_conditioning: bool = True
) -> Path:
    """An untrained, tiny but real backbone checkpoint (with a plan model when SS-conditioned).

    Its read-out is drawn at random: a new network's starts at zero (it only scales its input).
    """
    torch.manual_seed(0)
    net = BackboneNet(
        BackboneNetConfig(hidden=16, layers=1, heads=2, ss_conditioning=ss_conditioning)
    )
    with torch.no_grad():
        net.readout.weight.normal_()
    state = {
        "ema": net.state_dict(),
        "net_config": net.config.to_dict(),
        "train_config": {"treatment": treatment},
        "steps": 0,
    }
    if ss_conditioning:
        state["ss_plan"] = SegmentPlanModel.fit(["LLHHHHHHLLLEEEELLEEEELL"]).to_dict()
    save_atomically(state, path)
    return path


def test_backbones_are_written_with_remarks(tmp_path):
    checkpoint = save_tiny_backbone_checkpoint(tmp_path / "backbone-quotient.pt")
    out = tmp_path / "b" / "out.cif"
    done = run_qsdiff(
        "backbones", "--length", "25", "-n", "3", "-o", str(out),
        "--checkpoint", str(checkpoint), "--steps", "3", "--sampler", "sde", "--gamma", "0.3",
        "--strand-fraction", "0.5", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert len(summary["samples"]) == 3
    assert [len(c) for c in read_structure(out, split_breaks=False)] == [25, 25, 25]
    assert "gamma=0.3" in out.read_text()
    assert "helix_fraction=0.0 strand_fraction=0.5" in out.read_text()
    plans = [s["plan"] for s in summary["samples"]]
    assert all(len(p) == 25 and "H" not in p for p in plans)  # drawn near the fractions


def test_several_lengths_and_a_secondary_structure_request(tmp_path):
    checkpoint = str(save_tiny_backbone_checkpoint(tmp_path / "backbone-quotient.pt"))
    out = tmp_path / "out.pdb"
    done = run_qsdiff("backbones", "--length", "20", "30", "-n", "2", "-o", str(out),
                      "--checkpoint", checkpoint, "--steps", "2", "--plan", "none",
                      "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    samples = json.loads(done.stdout)["samples"]
    assert [(s["index"], s["length"], s["plan"]) for s in samples] == [
        (0, 20, None), (1, 20, None), (2, 30, None), (3, 30, None)
    ]  # fmt: skip
    assert [len(c) for c in read_structure(out, split_breaks=False)] == [20, 20, 30, 30]
    letters = "L" * 3 + "H" * 14 + "L" * 3
    done = run_qsdiff("backbones", "--length", "20", "-o", str(out), "--checkpoint", checkpoint,
                      "--steps", "2", "--secondary-structure", letters, "--guidance", "3",
                      "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    (sample,) = json.loads(done.stdout)["samples"]
    assert sample["plan"] == letters
    assert len(sample["secondary_structure"]) == 20
    assert f"plan {letters}" in out.read_text()


def test_usage_errors_name_the_option(tmp_path):
    checkpoint = str(save_tiny_backbone_checkpoint(tmp_path / "backbone-quotient.pt"))
    out = str(tmp_path / "out.pdb")
    done = run_qsdiff("backbones", "--length", "5", "-o", out, "--checkpoint", checkpoint)
    assert done.returncode == 2
    assert "argument --length: must be between 10 and 512, not 5" in done.stderr
    for letters, length, message in (
        ("HHHH", "12", "--secondary-structure has 4 letters for length 12"),
        ("HHHHXXHHHHHH", "12", "--secondary-structure: 'X' are not among H, E, L"),
        ("HHHHHHHHHHHH", "12 14", "--secondary-structure needs length"),
    ):
        done = run_qsdiff("backbones", "--length", *length.split(), "-o", out,
                          "--checkpoint", checkpoint, "--secondary-structure", letters)  # fmt: skip
        assert done.returncode == 2
        assert message in done.stderr
    plain = str(save_tiny_backbone_checkpoint(tmp_path / "plain.pt", ss_conditioning=False))
    done = run_qsdiff("backbones", "--length", "12", "-o", out, "--checkpoint", plain,
                      "--secondary-structure", "H" * 12)  # fmt: skip
    assert done.returncode == 2
    assert "not conditioned on secondary structure" in done.stderr
    done = run_qsdiff("backbones", "--length", "12", "-o", out, "--checkpoint", plain,
                      "--strand-fraction", "0.3")  # fmt: skip
    assert done.returncode == 2
    assert "not conditioned on secondary structure" in done.stderr
    done = run_qsdiff("backbones", "--length", "12", "-o", out, "--checkpoint", checkpoint,
                      "--helix-fraction", "0.8", "--strand-fraction", "0.5")  # fmt: skip
    assert done.returncode == 2
    assert "--helix-fraction + --strand-fraction is 1.3, over 1" in done.stderr
    done = run_qsdiff("backbones", "--length", "50", "-o", str(tmp_path / "x.sdf"))
    assert done.returncode == 2
    assert "must end in .pdb or .cif" in done.stderr
    done = run_qsdiff("backbones", "--length", "50", "-o", out, "--checkpoint", "none.pt")
    assert done.returncode == 2
    assert "no checkpoint at" in done.stderr


needs_data = pytest.mark.skipif(
    not (Settings().data_dir / "proteins" / "ts50.npz").is_file(),
    reason="protein data not found beside the repository (QSDIFF_DATA_DIR)",
)


def _structure_folder(folder: Path) -> Path:
    """Two files of one 40-residue chain each (a zig-zag trace), and one broken file."""
    folder.mkdir()
    k = torch.arange(40, dtype=torch.float64)
    ca = torch.stack([3.3 * k, 1.8 * (k % 2), torch.zeros_like(k)], dim=1).numpy()
    for name in ("a", "b"):
        write_backbones([Backbone(name, rebuild_backbone(ca), "G" * 40)], folder / f"{name}.pdb")
    (folder / "broken.cif").write_text("data_broken\n")
    return folder


def test_a_folder_is_packed_and_unreadable_files_are_named(tmp_path):
    folder = _structure_folder(tmp_path / "pdbs")
    out = tmp_path / "sets" / "set.npz"
    done = run_qsdiff("pack-backbones", str(folder), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "2 chains, 80 residues" in done.stdout
    assert "broken.cif" in done.stderr
    assert [len(c) for c in load_backbones(out)] == [40, 40]
    assert list(out.parent.iterdir()) == [out]  # nothing partial left beside it


def test_pack_usage_errors_name_the_problem(tmp_path, capsys):
    folder = _structure_folder(tmp_path / "pdbs")
    out = str(tmp_path / "set.npz")
    for argv, message in (
        (
            [str(folder), "-o", out, "--min-length", "41"],
            "no protein chain of at least 41 residues",
        ),
        ([str(tmp_path / "none"), "-o", out], "is not a folder"),
        ([str(folder), "-o", str(tmp_path / "set.pdb")], "must end in .npz"),
        ([str(folder), "-o", out, "--min-length", "0"], "--min-length must be at least 2"),
    ):
        assert main(["pack-backbones", *argv]) == 2
        error = capsys.readouterr().err.splitlines()[-1]  # after the files skipped, if any
        assert error.startswith("qsdiff pack-backbones: error: ")
        assert message in error
    assert not (tmp_path / "set.npz").exists()


@needs_data
def test_training_reads_a_folder_and_names_a_bad_data_path(tmp_path):
    folder = _structure_folder(tmp_path / "pdbs")
    checkpoint = tmp_path / "backbone-quotient.pt"
    common = ["train", "backbones", "--treatment", "quotient", "--checkpoint", str(checkpoint)]
    tiny = ["--hidden", "16", "--layers", "1", "--max-length", "40", "--val-samples", "1"]
    done = run_qsdiff(*common, "--steps", "1", "--val-every", "1", "--batch-size", "2",
                      "--data", str(folder), *tiny)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert torch.load(checkpoint, weights_only=False)["steps"] == 1
    done = run_qsdiff(*common, "--steps", "2", "--data", str(tmp_path / "missing"))
    assert done.returncode == 2
    assert "--data: no backbone set at" in done.stderr


@needs_data
def test_a_resumed_run_takes_a_new_batch_size_and_keeps_its_network(tmp_path):
    data = tmp_path / "small.npz"
    chains = load_backbones(Settings().data_dir / "proteins" / "train_large.npz")[:60]
    write_backbone_set(chains, data)
    checkpoint = tmp_path / "backbone-quotient.pt"
    tiny = ["--hidden", "16", "--layers", "1", "--max-length", "40", "--val-samples", "1"]
    common = ["train", "backbones", "--treatment", "quotient", "--checkpoint", str(checkpoint),
              "--data", str(data)]  # fmt: skip
    done = run_qsdiff(*common, "--steps", "2", "--val-every", "2", "--batch-size", "2", *tiny,
                      "--self-conditioning", "--ss-conditioning")  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = run_qsdiff(*common, "--steps", "3", "--val-every", "1", "--batch-size", "3")
    assert done.returncode == 0, done.stderr
    resumed = torch.load(checkpoint, weights_only=False)
    assert resumed["steps"] == 3
    assert resumed["net_config"]["self_conditioning"] is True
    assert resumed["net_config"]["ss_conditioning"] is True
    assert resumed["train_config"]["batch_size"] == 3
    assert [record["step"] for record in resumed["history"]] == [2, 3]
    assert set(resumed["history"][-1]) >= {"helix", "strand", "plan_agreement", "val_loss"}
    plans = SegmentPlanModel.from_dict(resumed["ss_plan"])
    assert abs(plans.lengths.sum(1) - 1).max() < 1e-9
    card = json.loads(checkpoint.with_suffix(".json").read_text())["training"]["data"]
    assert card["chains"] == 60
    assert card["training_chains"] + card["validation_chains"] == 60
    assert card["validation_chains"] > 0
    plain = tmp_path / "plain.pt"
    common[common.index(str(checkpoint))] = str(plain)
    done = run_qsdiff(*common, "--steps", "1", "--val-every", "1", "--batch-size", "2", *tiny)
    assert done.returncode == 0, done.stderr
    done = run_qsdiff(*common, "--steps", "2", "--ss-conditioning")
    assert done.returncode == 2
    assert "--ss-conditioning: " in done.stderr
    assert "was trained without it" in done.stderr
