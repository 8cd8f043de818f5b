import json
from dataclasses import replace

import pytest
import torch

from chem.druglike_set import DruglikeSet
from service.conformers.druglike import DruglikeBuild, build_druglike


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("druglike")
    smiles = root / "mine.smi"
    smiles.write_text("CCOC(=O)c1ccccc1\nC[Se]C\nCC(C)NCC(O)c1ccccc1\nnot-a-smiles\nCCO\n")
    build = DruglikeBuild(
        out_dir=root / "set", wheel_dir=root / "wheels", chunk_size=2, smiles_file=smiles
    )
    return build, build_druglike(build, show_progress=False)


def test_build_writes_complete_shards_and_names_what_it_skipped(built):
    build, totals = built
    assert totals == {"shards": 3, "molecules": 3, "conformers": totals["conformers"], "skipped": 2}
    skipped = [
        s
        for p in sorted(build.out_dir.glob("shard-*.json"))
        for s in json.loads(p.read_text())["skipped"]
    ]
    assert {s["reason"] for s in skipped} == {"element Se", "RDKit cannot parse it"}
    card = json.loads((build.out_dir / "card.json").read_text())
    assert card["ensemble"]["max_conformers"] == build.recipe.max_conformers
    assert card["versions"]["rdkit"]


def test_a_rerun_builds_nothing_again(built):
    build, totals = built
    before = {p: p.stat().st_mtime_ns for p in build.out_dir.glob("shard-*")}
    assert build_druglike(build, show_progress=False) == totals
    assert {p: p.stat().st_mtime_ns for p in build.out_dir.glob("shard-*")} == before


def test_the_set_reads_every_conformer_of_every_molecule(built):
    build, totals = built
    data = DruglikeSet(build.out_dir)
    assert len(data) == totals["molecules"]
    assert sum(p.shape[0] for p in data.pos) == totals["conformers"]
    item = data[0]
    assert item.pos.shape == (item.num_nodes, 3)
    assert torch.allclose(item.pos.mean(0), torch.zeros(3), atol=1e-4)
    assert DruglikeSet(build.out_dir, max_atoms=9).smiles == ["CCO"]
    assert data.refresh() == 0


def test_a_resumed_build_must_cut_the_list_the_same_way(built):
    build, _ = built
    with pytest.raises(ValueError, match="chunk_size 2, not 3"):
        build_druglike(replace(build, chunk_size=3), show_progress=False)
