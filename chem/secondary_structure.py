"""Secondary structure of backbones.

Two assignments: three-state DSSP (``H``, ``E``, ``-``) of full N/CA/C/O backbones by
``pydssp`` (hydrogen bonds), and P-SEA (``H``, ``E``, ``L``) of C-alpha traces by biotite's
``annotate_sse`` (distances, virtual angles and dihedrals of consecutive C-alphas). P-SEA needs
only what a C-alpha model generates, so it is the one the backbone model is trained, conditioned
and judged on (the data README's helix + strand 0.48 of ``train_large.npz`` is P-SEA).
"""

from __future__ import annotations

import numpy as np
import pydssp
from biotite.structure import AtomArray
from biotite.structure import annotate_sse as _annotate_sse

__all__ = ["SS_LETTERS", "dssp", "fractions", "psea", "ss_fractions"]

SS_LETTERS = "HEL"
"""The per-residue alphabet of :func:`psea` and of secondary-structure requests."""

_PSEA_LETTER = {"a": "H", "b": "E", "c": "L", "": "L"}


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


def psea(ca: np.ndarray) -> str:
    """``[L, 3]`` C-alphas (A, in chain order, no gaps) -> P-SEA letters ``H``, ``E``, ``L``."""
    ca = np.asarray(ca, dtype=np.float32)
    atoms = AtomArray(len(ca))
    atoms.coord = ca
    atoms.atom_name[:] = "CA"
    atoms.element[:] = "C"
    atoms.res_name[:] = "GLY"
    atoms.chain_id[:] = "A"
    atoms.res_id = np.arange(1, len(ca) + 1)
    return "".join(_PSEA_LETTER[code] for code in _annotate_sse(atoms))


def ss_fractions(letters: str) -> dict[str, float]:
    """Helix and strand fractions of a P-SEA string."""
    n = max(len(letters), 1)
    return {"helix": letters.count("H") / n, "strand": letters.count("E") / n}
