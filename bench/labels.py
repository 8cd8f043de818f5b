"""Names of the checkpoints in a benchmark report."""

from __future__ import annotations

from pathlib import Path

__all__ = ["method_labels"]


def method_labels(paths: list[Path]) -> list[str]:
    """Each checkpoint's name in the report: its file stem, or its path where stems repeat.

    Checkpoints of one name from two folders (shipped beside retrained) would otherwise
    overwrite each other's results.
    """
    stems = [path.stem for path in paths]
    return [
        stem if stems.count(stem) == 1 else str(path)
        for stem, path in zip(stems, paths, strict=True)
    ]
