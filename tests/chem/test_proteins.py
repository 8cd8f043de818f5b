"""Protein backbones: file round trips, chain breaks, rebuild geometry, DSSP against references."""

import gzip

import numpy as np
import pytest

from chem.backbone import IDEAL, rebuild_backbone
from chem.proteins import (
    Backbone,
    load_backbone_set,
    load_backbones,
    read_folder,
    read_structure,
    write_backbone_set,
    write_backbones,
)
from chem.secondary_structure import dssp
from service.config import Settings

PROTEINS = Settings().data_dir / "proteins"
needs_data = pytest.mark.skipif(
    not (PROTEINS / "ts50.npz").is_file(), reason=f"protein data not found at {PROTEINS}"
)


def _helix(length: int) -> np.ndarray:
    """An ideal alpha-helix C-alpha trace (3.80 A steps, 100 degrees per residue)."""
    k = np.arange(length)
    angle = np.radians(100.0) * k
    return np.stack([2.3 * np.cos(angle), 2.3 * np.sin(angle), 1.5 * k], axis=1)


def _distance(a, b):
    return np.linalg.norm(a - b, axis=-1)


def _angle(a, b, c):
    u, v = a - b, c - b
    cos = (u * v).sum(-1) / np.linalg.norm(u, axis=-1) / np.linalg.norm(v, axis=-1)
    return np.degrees(np.arccos(cos))


def test_rebuilt_backbone_has_ideal_bonds_and_peptide_angles():
    ca = _helix(30)
    ca *= 3.80 / _distance(ca[1:], ca[:-1]).mean()  # exact 3.80 A steps
    x = rebuild_backbone(ca)
    n, c, o = x[:, 0], x[:, 2], x[:, 3]
    np.testing.assert_allclose(_distance(n, ca), IDEAL["N-CA"], atol=0.02)
    np.testing.assert_allclose(_distance(ca, c), IDEAL["CA-C"], atol=0.02)
    np.testing.assert_allclose(_distance(c[:-1], n[1:]), IDEAL["C-N"], atol=0.02)
    np.testing.assert_allclose(_distance(c, o), IDEAL["C=O"], atol=1e-6)
    np.testing.assert_allclose(_angle(ca[:-1], c[:-1], n[1:]), IDEAL["CA-C-N"], atol=1.0)
    np.testing.assert_allclose(_angle(c[:-1], n[1:], ca[1:]), IDEAL["C-N-CA"], atol=1.0)
    assert abs(_angle(n, ca, c).mean() - 111.0) < 6.0
    assert dssp(x)[2:-2] == "H" * 26  # an ideal helix reads as one


def test_pdb_and_mmcif_round_trip_with_remarks(tmp_path):
    ca = _helix(12)
    backbones = [
        Backbone("a", rebuild_backbone(ca), "G" * 12),
        Backbone("b", rebuild_backbone(ca + 30), "G" * 12),
    ]
    for suffix in (".pdb", ".cif"):
        path = tmp_path / f"out{suffix}"
        write_backbones(backbones, path, remarks=["treatment quotient", "seed 3"])
        read = read_structure(path)
        assert [len(b) for b in read] == [12, 12]
        assert read[0].sequence == "G" * 12
        np.testing.assert_allclose(read[1].coords, backbones[1].coords, atol=1e-3)
        assert "treatment quotient" in path.read_text()


def test_chain_breaks_split_and_bad_files_are_reported(tmp_path):
    coords = rebuild_backbone(_helix(20))
    coords[10:] += 8.0  # a gap between residues 9 and 10
    write_backbones([Backbone("x", coords, "G" * 20)], tmp_path / "gap.pdb")
    (tmp_path / "broken.cif").write_text("data_broken\nloop_\n_atom_site.id\n")
    (tmp_path / "sub").mkdir()  # folders are read recursively, gzipped files too
    with gzip.open(tmp_path / "sub" / "gap2.pdb.gz", "wt") as f:
        f.write((tmp_path / "gap.pdb").read_text())
    found = list(read_folder(tmp_path))
    segments = [b for b in found if isinstance(b, Backbone)]
    errors = [e for e in found if isinstance(e, ValueError)]
    assert [len(b) for b in segments] == [10, 10, 10, 10]
    assert segments[0].name.endswith("#0")
    assert len(errors) == 1
    assert "broken.cif" in str(errors[0])


def test_a_folder_packs_into_an_npz_set_that_loads_back_the_same_chains(tmp_path):
    folder = tmp_path / "structures"
    folder.mkdir()
    long, short = rebuild_backbone(_helix(30)), rebuild_backbone(_helix(6))
    write_backbones([Backbone("a", long, "A" * 30), Backbone("b", short, "G" * 6)],
                    folder / "two.pdb")  # fmt: skip
    (folder / "broken.cif").write_text("data_broken\n")  # skipped, the rest still read
    chains = load_backbones(folder, min_length=10)
    assert [len(c) for c in chains] == [30]  # the 6-residue chain is below --min-length
    packed = tmp_path / "set.npz"
    assert write_backbone_set(chains, packed, source="structures") == 1
    again = load_backbones(packed)
    assert [c.name for c in again] == [c.name for c in chains]
    assert again[0].sequence == chains[0].sequence == "G" * 30  # written as all-GLY
    np.testing.assert_allclose(again[0].coords, long, atol=1e-3)
    stored = np.load(packed)
    assert set(stored.files) == {
        "ids", "seqs", "lengths", "offsets", "coords", "sources", "licenses"
    }  # fmt: skip
    assert stored["coords"].shape == (30, 4, 3)
    assert [len(c) for c in load_backbones(folder / "two.pdb")] == [30, 6]


def test_loading_nothing_names_the_path(tmp_path):
    with pytest.raises(ValueError, match=r"no backbone set at .*missing"):
        load_backbones(tmp_path / "missing")
    with pytest.raises(ValueError, match="no protein chain of at least 2 residues"):
        load_backbones(tmp_path)
    with pytest.raises(ValueError, match="no chains to write"):
        write_backbone_set([], tmp_path / "empty.npz")


@needs_data
def test_dssp_matches_the_reference_strings_and_survives_the_rebuild():
    real, rebuilt = [], []
    for pdb in sorted((PROTEINS / "dssp_reference").glob("*.pdb.gz")):
        want = pdb.with_name(pdb.name.replace(".pdb.gz", ".pdb.dssp")).read_text().split()[0]
        (chain,) = read_structure(pdb)
        real.append(np.mean([a == b for a, b in zip(dssp(chain.coords), want, strict=True)]))
        again = dssp(rebuild_backbone(chain.ca))
        rebuilt.append(np.mean([a == b for a, b in zip(again, want, strict=True)]))
    assert len(real) == 50
    assert np.mean(real) > 0.99
    assert min(real) > 0.95
    assert np.mean(rebuilt) > 0.85  # C-alpha only, then rebuilt: measured 0.893


@needs_data
def test_the_shipped_sets_load_and_rebuild_close_to_the_real_atoms():
    ts50 = load_backbone_set(PROTEINS / "ts50.npz")
    assert len(ts50) == 50
    errors = np.array(
        [np.sqrt(((rebuild_backbone(b.ca) - b.coords) ** 2).sum(-1).mean(0)) for b in ts50]
    )
    assert errors[:, 1].max() == 0  # C-alphas kept
    assert errors[:, [0, 2]].mean() < 0.4  # N and C: measured 0.28 and 0.37 A
