"""``qsdiff bench druglike`` on a few crystal ligands of the tuning split."""

import json
from pathlib import Path

import pytest

from tests.helpers import run_qsdiff

ROOT = Path(__file__).resolve().parents[2]
TUNING = ROOT.parent / "shared/data/druglike/platinum_tune.sdf.gz"
CHECKPOINT = ROOT / "checkpoints/conformer-quotient.pt"


@pytest.mark.skipif(not TUNING.is_file(), reason="the shared drug-like tuning split is absent")
def test_bench_scores_every_method_on_the_same_ligands():
    done = run_qsdiff(
        "bench", "druglike", "--ligands", "3", "--n", "2", "--steps", "4", "--etkdg-steps", "2",
        "--quality-ligands", "2", "--checkpoints", str(CHECKPOINT),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ligands"] == 3
    names = {"etkdgv3", "etkdgv3 +mmff-local", "etkdgv3+mmff"} | {
        f"conformer-quotient from {start}{relax}"
        for start in ("noise", "etkdg")
        for relax in ("", " +mmff-local", " +mmff")
    }
    assert set(report["methods"]) == names
    for metrics in report["methods"].values():
        assert metrics["not_produced"] == 0
        assert 0 <= metrics["success_1A"] <= metrics["success_2A"] <= 1
        assert sum(b["ligands"] for b in metrics["by_rotatable_bonds"].values()) == 3
        assert metrics["conformers_per_second"] > 0
    assert report["methods"]["etkdgv3+mmff"]["median_mmff_strain"] < 0.1
