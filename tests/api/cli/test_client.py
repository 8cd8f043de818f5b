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


def test_molecules_cli_runs_a_job_and_writes_its_sdf(server, tmp_path):
    out = tmp_path / "new.sdf"
    done = run_qsdiff(
        "molecules", "-n", "5", "--heavy-atoms", "6", "-o", str(out), "--server", server.url,
        "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    records = [m for m in Chem.SDMolSupplier(str(out), removeHs=False) if m is not None]
    assert 1 <= len(records) <= 5  # a graph that never read as a molecule is in no file
    assert all(m.GetNumHeavyAtoms() == 6 for m in records)
    refused = run_qsdiff(
        "molecules", "-o", str(out), "--server", server.url, "--treatment", "geodiff"
    )
    assert refused.returncode == 2
    assert "no QM9 conformer checkpoint for 'geodiff'" in refused.stderr
