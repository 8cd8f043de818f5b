"""``qsdiff bench conformers`` on a tiny npz of QM9's layout (any such file must work)."""

import json
from pathlib import Path

from tests.chem.fixtures import write_tiny_qm9
from tests.helpers import run_qsdiff

CHECKPOINTS = sorted((Path(__file__).resolve().parents[2] / "checkpoints").glob("conformer-*.pt"))


def test_bench_runs_every_method_side_by_side(tmp_path):
    npz = write_tiny_qm9(tmp_path / "tiny.npz")
    done = run_qsdiff(
        "bench", "conformers", "--data", str(npz), "--n-mols", "4", "--k", "2", "--steps", "5",
        "--json", "--checkpoints", *map(str, CHECKPOINTS),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["molecules"] == 4
    checkpoints = {p.stem for p in CHECKPOINTS} | {f"{p.stem} +mmff" for p in CHECKPOINTS}
    assert set(report["methods"]) == {"etkdgv3", "etkdgv3+mmff"} | checkpoints
    for metrics in report["methods"].values():
        assert 0 <= metrics["cov_0.25"] <= metrics["cov_0.5"] <= 1
        assert metrics["conformers_per_second"] > 0
    mmff = report["methods"]["etkdgv3+mmff"]
    assert mmff["graph_recovered"] == 1.0
    assert mmff["amr"] < 0.5  # MMFF reproduces MMFF-made references closely
    for path in CHECKPOINTS:  # relaxed conformers are MMFF minima: as close as MMFF's own
        relaxed = report["methods"][f"{path.stem} +mmff"]
        # relaxing adds its time to the making's (equal where it took under the 0.01 s rounding)
        assert relaxed["seconds"] >= report["methods"][path.stem]["seconds"]
        assert relaxed["graph_recovered"] == 1.0
