"""``qsdiff backbones`` and ``qsdiff train backbones``: PDB / mmCIF out with remarks, clear
usage errors, a resumed run that changes its batch size and gains self-conditioning."""

import json
from pathlib import Path

import pytest
import torch

from chem.proteins import read_structure
from models.networks.backbone_net import BackboneNet, BackboneNetConfig
from service.checkpoint_files import save_atomically
from service.config import Settings
from tests.helpers import run_qsdiff


def save_tiny_backbone_checkpoint(path: Path, treatment: str = "quotient") -> Path:
    """An untrained, tiny but real backbone checkpoint."""
    net = BackboneNet(BackboneNetConfig(hidden=16, layers=1, heads=2))
    save_atomically(
        {
            "ema": net.state_dict(),
            "net_config": net.config.to_dict(),
            "train_config": {"treatment": treatment},
            "steps": 0,
        },
        path,
    )
    return path


def test_backbones_are_written_with_remarks(tmp_path):
    checkpoint = save_tiny_backbone_checkpoint(tmp_path / "backbone-quotient.pt")
    out = tmp_path / "b" / "out.cif"
    done = run_qsdiff(
        "backbones", "--length", "25", "-n", "3", "-o", str(out),
        "--checkpoint", str(checkpoint), "--steps", "3", "--sampler", "sde", "--gamma", "0.3",
        "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert len(summary["samples"]) == 3
    assert [len(c) for c in read_structure(out, split_breaks=False)] == [25, 25, 25]
    assert "gamma=0.3" in out.read_text()


def test_usage_errors_name_the_option(tmp_path):
    checkpoint = str(save_tiny_backbone_checkpoint(tmp_path / "backbone-quotient.pt"))
    out = str(tmp_path / "out.pdb")
    done = run_qsdiff("backbones", "--length", "5", "-o", out, "--checkpoint", checkpoint)
    assert done.returncode == 2
    assert "--length must be between 8 and 512" in done.stderr
    done = run_qsdiff("backbones", "--length", "50", "-o", str(tmp_path / "x.sdf"))
    assert done.returncode == 2
    assert "must end in .pdb or .cif" in done.stderr
    done = run_qsdiff("backbones", "--length", "50", "-o", out, "--checkpoint", "none.pt")
    assert done.returncode == 2
    assert "no checkpoint at" in done.stderr


@pytest.mark.skipif(
    not (Settings().data_dir / "proteins" / "ts50.npz").is_file(),
    reason="protein data not found beside the repository (QSDIFF_DATA_DIR)",
)
def test_a_resumed_run_takes_a_new_batch_size_and_gains_self_conditioning(tmp_path):
    checkpoint = tmp_path / "backbone-quotient.pt"
    tiny = ["--hidden", "16", "--layers", "1", "--max-length", "40", "--val-samples", "1"]
    common = ["train", "backbones", "--treatment", "quotient", "--checkpoint", str(checkpoint)]
    done = run_qsdiff(*common, "--steps", "2", "--val-every", "2", "--batch-size", "2", *tiny)
    assert done.returncode == 0, done.stderr
    first = torch.load(checkpoint, weights_only=False)
    assert first["net_config"]["self_conditioning"] is False
    done = run_qsdiff(
        *common, "--steps", "3", "--val-every", "1", "--batch-size", "3", "--self-conditioning"
    )
    assert done.returncode == 0, done.stderr
    resumed = torch.load(checkpoint, weights_only=False)
    assert resumed["steps"] == 3
    assert resumed["net_config"]["self_conditioning"] is True
    assert resumed["train_config"]["batch_size"] == 3
    assert "embed_self_condition.weight" in resumed["ema"]
    assert [record["step"] for record in resumed["history"]] == [2, 3]
