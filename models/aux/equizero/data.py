"""Molecule rows for the cube's rotations: centred coordinates and the element one-hot."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

__all__ = ["QM9_ATOMIC_NUMBERS", "gyration_radius", "molecule_inputs"]

QM9_ATOMIC_NUMBERS = (1, 6, 7, 8, 9)  # H, C, N, O, F: the element one-hot of molecule rows


def molecule_inputs(charges: np.ndarray, positions: np.ndarray) -> Tensor:
    """Rows ``[B, N, 3 + 5]``: centred coordinates (Å) and H/C/N/O/F one-hot; padding is 0.

    ``charges: [B, N]`` atomic numbers (0 = padding), ``positions: [B, N, 3]`` in Å.
    Raises ``ValueError`` for an element outside QM9's five.
    """
    real = charges > 0
    if not np.isin(charges[real], QM9_ATOMIC_NUMBERS).all():
        raise ValueError(f"atomic numbers must be in {QM9_ATOMIC_NUMBERS} (0 = padding)")
    centre = (positions * real[..., None]).sum(1) / real.sum(1, keepdims=True)
    pos = (positions - centre[:, None]) * real[..., None]
    one_hot = (charges[..., None] == np.array(QM9_ATOMIC_NUMBERS)).astype(np.float32)
    return torch.from_numpy(np.concatenate([pos, one_hot], -1).astype(np.float32))


def gyration_radius(rows: Tensor) -> Tensor:
    """``R_g: [B]`` in Å of molecule rows ``[B, N, 3 + T]``: RMS distance of atoms to centre."""
    real = rows[..., 3:].sum(-1) > 0
    return ((rows[..., :3] ** 2).sum(-1) * real).sum(-1).div(real.sum(-1)).sqrt()
