"""Checkpoint names in benchmark reports stay apart when two folders hold the same file name."""

from pathlib import Path

from bench.labels import method_labels


def test_stems_name_checkpoints_unless_two_share_one():
    unique = [Path("checkpoints/backbone-quotient.pt"), Path("checkpoints/backbone-equivariant.pt")]
    assert method_labels(unique) == ["backbone-quotient", "backbone-equivariant"]
    clash = [Path("checkpoints/backbone-quotient.pt"), Path("/tmp/run/backbone-quotient.pt")]
    assert method_labels(clash) == [str(p) for p in clash]
    assert len(set(method_labels(clash + unique[1:]))) == 3
