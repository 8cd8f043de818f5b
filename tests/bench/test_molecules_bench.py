"""``qsdiff bench molecules``, briefly: both protocols for both treatments, in the agreed shape."""

import json

from tests.chem.fixtures import write_tiny_qm9
from tests.graph_model import graph_model_folder
from tests.helpers import run_qsdiff

PROTOCOL_KEYS = {
    "atom_stability",
    "molecule_stability",
    "validity",
    "uniqueness",
    "valid_and_unique",
    "novelty",
}


def test_a_short_run_reports_both_protocols_for_each_treatment(tmp_path):
    (tmp_path / "qm9").mkdir()
    write_tiny_qm9(tmp_path / "qm9" / "qm9_trainval.npz")
    env = {
        "QSDIFF_CHECKPOINT_DIR": str(graph_model_folder(tmp_path / "models")),
        "QSDIFF_DATA_DIR": str(tmp_path),
        "QSDIFF_CACHE_DIR": str(tmp_path / "cache"),
    }
    done = run_qsdiff(
        "bench", "molecules", "--n", "6", "--steps", "3", "--posebusters", "2", env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert set(report["methods"]) == {"quotient", "equivariant"}
    for row in report["methods"].values():
        assert set(row["protocols"]) == {"graph", "edm"}
        for protocol in row["protocols"].values():
            assert set(protocol) == PROTOCOL_KEYS
        graph = row["protocols"]["graph"]
        assert graph["molecule_stability"] <= graph["validity"]  # stable graphs are molecules
        assert graph["validity"] > 0.5  # the tiny model knows its corpus
        assert row["molecules_per_second"] > 0
        assert row["checked"] == 2
    graphs = [row["protocols"]["graph"] for row in report["methods"].values()]
    assert graphs[0] == graphs[1]  # the same graphs; only the atoms' placement differs
    assert report["qm9_valid"]["graph"]["validity"] == 1.0
