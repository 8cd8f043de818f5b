"""``qsdiff data druglike``: bad options are one line on stderr and exit status 2."""

import json

from tests.helpers import run_qsdiff


def test_a_missing_smiles_file_exits_2_with_one_line(tmp_path):
    missing = tmp_path / "none.smi"
    done = run_qsdiff("data", "druglike", "--smiles", str(missing), "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    assert done.stderr == f"qsdiff data: error: no SMILES file at {missing}\n"


def test_resuming_with_another_chunk_size_exits_2_with_one_line(tmp_path):
    out = tmp_path / "druglike"
    out.mkdir()
    (out / "card.json").write_text(json.dumps({"chunk_size": 50, "seed": 7}))
    done = run_qsdiff("data", "druglike", "--out", str(out), "--chunk-size", "10")
    assert done.returncode == 2
    assert done.stderr == (
        f"qsdiff data: error: {out} was built with chunk_size 50, not 10: rerun with that "
        "chunk_size, or build into another folder (--out)\n"
    )
