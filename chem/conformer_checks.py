"""What every generated conformer carries: MMFF94 energy and strain, PoseBusters flags.

Written as SDF properties and JSON fields by the service (:mod:`service.conformers`), so a
chemist sees at a glance whether a conformer is physically sane: ``mmff94_energy`` and
``mmff94_strain`` (kcal/mol; local strain, see :mod:`chem.forcefield`), ``posebusters_pass``
and, when it fails, ``posebusters_failed`` (the names of the failed "mol" checks).
"""

from __future__ import annotations

import functools
import logging

import numpy as np
from rdkit import Chem

from chem.forcefield import mmff_score
from chem.stereo import set_coordinates

__all__ = ["conformer_checks"]


@functools.cache
def _buster():
    from posebusters import PoseBusters  # heavy import, needed only here

    logging.getLogger("posebusters").setLevel(logging.WARNING)
    return PoseBusters(config="mol")


def conformer_checks(mol: Chem.Mol, coords: np.ndarray) -> dict[str, str | int | float]:
    """Energy, strain and PoseBusters flags of one conformer ``coords: [N, 3]`` (Å)."""
    out: dict[str, str | int | float] = {}
    try:
        score = mmff_score(mol, coords)
        out["mmff94_energy"] = round(score.energy, 3)
        out["mmff94_strain"] = round(score.strain, 3)
    except ValueError:
        out["mmff94_energy"] = out["mmff94_strain"] = "no MMFF94 parameters"
    report = _buster().bust([set_coordinates(mol, coords)], None, None)
    failed = [name for name, ok in report.iloc[0].items() if not bool(ok)]
    out["posebusters_pass"] = int(not failed)
    if failed:
        out["posebusters_failed"] = ", ".join(str(name) for name in failed)
    return out
