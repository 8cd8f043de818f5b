"""``qsdiff conformers --server URL``: the CLI as a client of a real server."""

from rdkit import Chem

from tests.helpers import run_qsdiff


def test_cli_submits_jobs_in_chunks_and_writes_one_sdf(server, tmp_path):
    smi = tmp_path / "in.smi"
    smi.write_text("CCO a\nnot_a_smiles b\nC[C@H](N)C(=O)O c\nc1ccncc1 d\n")
    out = tmp_path / "out.sdf"
    done = run_qsdiff("conformers", str(smi), "-n", "2", "-o", str(out), "--server", server.url)
    assert done.returncode == 1, done.stderr  # one record skipped, the rest ran
    assert "skipped b" in done.stderr
    records = list(Chem.SDMolSupplier(str(out), removeHs=False))
    assert len(records) == 6
    assert [r.GetProp("source_smiles") for r in records[::2]] == [
        "CCO",
        "C[C@H](N)C(=O)O",
        "c1ccncc1",
    ]


def test_cli_reports_a_server_refusal(server, tmp_path):
    done = run_qsdiff("conformers", "CCO", "-o", str(tmp_path / "o.sdf"), "--server", server.url,
                      "--treatment", "af3")  # fmt: skip
    assert done.returncode == 2
    assert "conformer checkpoint for 'af3'" in done.stderr


def test_molecules_cli_runs_a_job_and_writes_sdf_and_flagged_xyz(server, tmp_path):
    out = tmp_path / "new.sdf"
    done = run_qsdiff(
        "molecules", "-n", "5", "--steps", "5", "-o", str(out), "--server", server.url, "--json"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    in_sdf = out.read_text().count("$$$$")  # may be none: samples without bonds go to XYZ
    xyz = out.with_suffix(".xyz")
    in_xyz = xyz.read_text().count("(flagged)") if xyz.is_file() else 0
    assert in_sdf + in_xyz == 5
    refused = run_qsdiff(
        "molecules", "-o", str(out), "--server", server.url, "--treatment", "geodiff"
    )
    assert refused.returncode == 2
    assert "no molecule checkpoint for 'geodiff'" in refused.stderr
