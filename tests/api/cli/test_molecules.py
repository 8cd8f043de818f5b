"""``qsdiff molecules``: SDF (and flagged XYZ) out, clear usage errors."""

import json
from pathlib import Path

from rdkit import Chem

from chem.edm_metrics import ELEMENTS
from models.networks.molecule_net import MoleculeNet, MoleculeNetConfig
from service.training.checkpoint_files import save_atomically
from tests.helpers import run_qsdiff


def _checkpoint(path: Path) -> Path:
    net = MoleculeNet(MoleculeNetConfig(len(ELEMENTS), hidden=8, layers=1))
    save_atomically(
        {
            "ema": net.state_dict(),
            "net_config": net.config.to_dict(),
            "train_config": {"treatment": "quotient"},
            "steps": 0,
            "elements": list(ELEMENTS),
            "size_histogram": [0, 0, 0, 1, 1],
        },
        path,
    )
    return path


def test_molecules_are_written_and_summarised(tmp_path):
    out = tmp_path / "out" / "m.sdf"
    checkpoint = _checkpoint(tmp_path / "molecule-quotient.pt")
    done = run_qsdiff(
        "molecules", "-n", "6", "-o", str(out), "--checkpoint", str(checkpoint),
        "--steps", "3", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["in_sdf"] + summary["in_xyz"] == 6
    sdf = []
    if summary["in_sdf"]:  # RDKit refuses an empty file
        sdf = [m for m in Chem.SDMolSupplier(str(out), removeHs=False) if m is not None]
    assert len(sdf) == summary["in_sdf"]
    assert all(3 <= m.GetNumAtoms() <= 4 for m in sdf)
    if summary["in_xyz"]:
        assert "flagged" in out.with_suffix(".xyz").read_text()


def test_usage_errors_name_the_option(tmp_path):
    checkpoint = _checkpoint(tmp_path / "molecule-quotient.pt")
    out = str(tmp_path / "m.sdf")
    done = run_qsdiff("molecules", "-n", "0", "-o", out, "--checkpoint", str(checkpoint))
    assert done.returncode == 2
    assert "argument -n/--num-molecules: must be at least 1, not 0" in done.stderr
    done = run_qsdiff("molecules", "--atoms", "9", "-o", out, "--checkpoint", str(checkpoint))
    assert done.returncode == 2
    assert "--atoms 9: the model knows at most 4" in done.stderr
    done = run_qsdiff("molecules", "-o", out, "--checkpoint", str(tmp_path / "none.pt"))
    assert done.returncode == 2
    assert "no checkpoint at" in done.stderr
