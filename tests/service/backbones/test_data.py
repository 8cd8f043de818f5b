"""Backbone training data: crops that carry their P-SEA letters, the held-out split, the cache,
and the plan model fitted on the letters."""

import numpy as np
import pytest
import torch

from chem.backbone import rebuild_backbone
from chem.proteins import Backbone
from chem.secondary_structure import psea
from models.ss_plan import SegmentPlanModel
from service.backbones.data import (
    BackboneCrops,
    chain_secondary_structure,
    is_validation_chain,
    ss_classes,
)


def _chain(name: str) -> Backbone:
    """A helix of 20 residues, then a zig-zag strand of 16: P-SEA reads both."""
    k = np.arange(20)
    helix = np.stack([2.3 * np.cos(np.radians(100) * k), 2.3 * np.sin(np.radians(100) * k),
                      1.5 * k], axis=1)  # fmt: skip
    j = np.arange(1, 17)
    strand = helix[-1] + np.stack([3.3 * j, 1.0 * (j % 2), np.zeros(16)], axis=1)
    ca = np.concatenate([helix, strand])
    return Backbone(name, rebuild_backbone(ca), "G" * len(ca))


def test_crops_carry_the_letters_of_their_window(tmp_path):
    chains = [_chain("a"), _chain("b")]
    letters = chain_secondary_structure(chains, tmp_path)
    assert letters[0].count("H") >= 12
    assert letters[0].count("E") >= 8
    crops = BackboneCrops(chains, 10, 14, rotate=False, ss=letters)
    batch = crops.random(6, np.random.default_rng(0))
    assert batch.ss is not None
    assert len(batch.ss) == len(batch.x)
    whole = ss_classes(letters[0])
    for i in range(6):
        x = batch.x[batch.batch == i]
        assert 10 <= len(x) <= 14
        segment = batch.ss[batch.batch == i]
        assert any(torch.equal(segment, whole[s : s + len(x)]) for s in range(len(whole)))
    with pytest.raises(ValueError, match="one secondary-structure string per chain"):
        BackboneCrops(chains, ss=letters[:1])


def test_letters_are_cached_by_content(tmp_path):
    chains = [_chain("a")]
    first = chain_secondary_structure(chains, tmp_path)
    (cached,) = (tmp_path / "backbones").iterdir()
    cached.write_text('["' + "L" * len(chains[0]) + '"]')  # the cache is read back as it is
    assert chain_secondary_structure(chains, tmp_path) == ["L" * len(chains[0])]
    moved = Backbone("a", chains[0].coords + 1.0, chains[0].sequence)
    assert chain_secondary_structure([moved], tmp_path) == first  # other coordinates: new file
    assert first == [psea(chains[0].ca)]


def test_the_validation_split_is_stable_and_about_one_in_twenty():
    names = [f"source:path/{i}.pdb:A" for i in range(4000)]
    held_out = [is_validation_chain(name) for name in names]
    assert held_out == [is_validation_chain(name) for name in names]
    assert 0.035 < np.mean(held_out) < 0.065


def test_plans_follow_the_segments_they_were_fitted_on():
    plans = SegmentPlanModel.fit(["LLLHHHHHHLLLEEEEL"] * 50)
    rng = np.random.default_rng(0)
    drawn = [plans.sample(120, rng) for _ in range(50)]
    assert all(len(p) == 120 and set(p) <= set("HEL") for p in drawn)
    runs = [len(run) for p in drawn for run in p.replace("E", " ").replace("L", " ").split()]
    assert set(runs[:-1]) >= {6}  # helices of six, as fitted (some cut at the chain's end)
    assert max(runs) <= 6
    again = SegmentPlanModel.from_dict(plans.to_dict())
    assert again.sample(120, np.random.default_rng(0)) == drawn[0]


def test_plans_near_fractions_leave_out_the_letters_asked_for_none_of():
    plans = SegmentPlanModel.fit(["LLLHHHHHHHHLLLEEEEELLEEEEELLLHHHHHHHHHHL"] * 20)
    rng = np.random.default_rng(1)
    plain = [plans.sample(120, rng) for _ in range(64)]
    alpha = [plans.sample_near(120, 1.0, 0.0, rng) for _ in range(10)]
    assert all("E" not in p and len(p) == 120 for p in alpha)
    assert min(p.count("H") for p in alpha) > max(p.count("H") for p in plain)
    mixed = [plans.sample_near(120, 0.3, 0.3, rng) for _ in range(10)]

    def miss(p: str) -> float:
        return abs(p.count("H") / 120 - 0.3) + abs(p.count("E") / 120 - 0.3)

    assert np.mean([miss(p) for p in mixed]) < np.mean([miss(p) for p in plain]) / 2
    assert plans.sample_near(30, 0.0, 0.0, rng) == "L" * 30
