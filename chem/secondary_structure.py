"""Secondary structure of backbones: three-state DSSP (H, E, -) by ``pydssp``."""

from __future__ import annotations

import numpy as np
import pydssp

__all__ = ["dssp", "fractions"]


def dssp(coords: np.ndarray) -> str:
    """``[L, 4, 3]`` N, CA, C, O -> one letter per residue: ``H`` helix, ``E`` strand, ``-``."""
    return "".join(pydssp.assign(np.asarray(coords, dtype=np.float32), out_type="c3"))


def fractions(codes: str) -> dict[str, float]:
    """Helix, strand and coil fractions of a DSSP string."""
    n = max(len(codes), 1)
    return {
        "helix": codes.count("H") / n,
        "strand": codes.count("E") / n,
        "coil": codes.count("-") / n,
    }
