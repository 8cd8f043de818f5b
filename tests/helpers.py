"""Helpers shared by the tests: ragged batches of random clouds and equivariance checks."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import torch
from torch import Tensor

from models import geometry


def ragged_clouds(
    sizes: list[int], *, dtype: torch.dtype = torch.float64, seed: int = 0, collinear: bool = False
) -> tuple[Tensor, Tensor]:
    """Centred random clouds ``pos: [N, 3]`` with ``batch: [N]`` for graphs of ``sizes`` atoms.

    ``collinear`` puts every graph's atoms on one random line (diatomics, CO2, HCN).
    """
    gen = torch.Generator().manual_seed(seed)
    batch = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    if collinear:
        axis = torch.randn(len(sizes), 3, generator=gen, dtype=torch.float64)
        axis = axis / axis.norm(dim=-1, keepdim=True)
        along = 2 * torch.randn(batch.numel(), 1, generator=gen, dtype=torch.float64)
        pos = along * axis[batch]
    else:
        pos = 2 * torch.randn(batch.numel(), 3, generator=gen, dtype=torch.float64)
    return geometry.center(pos, batch).to(dtype), batch


def rigid_rotation_field(pos: Tensor, batch: Tensor, seed: int = 1) -> Tensor:
    """``omega_b x pos_n`` for a random angular velocity per graph, ``[N, 3]``."""
    gen = torch.Generator().manual_seed(seed)
    omega = torch.randn(geometry.num_graphs(batch), 3, generator=gen, dtype=torch.float64)
    return torch.linalg.cross(omega.to(pos.dtype)[batch], pos, dim=-1)


def assert_rotation_equivariant(
    fn: Callable[[Tensor], Tensor], pos: Tensor, batch: Tensor, atol: float = 1e-10
) -> None:
    """``fn(R x) == R fn(x)`` per graph for random rotations ``R`` (e3nn's check, per graph)."""
    rot = geometry.random_rotations(
        geometry.num_graphs(batch), dtype=pos.dtype, generator=torch.Generator().manual_seed(7)
    )[batch]
    rotate = lambda v: (rot @ v.unsqueeze(-1)).squeeze(-1)  # noqa: E731 (local shorthand)
    torch.testing.assert_close(fn(rotate(pos)), rotate(fn(pos)), atol=atol, rtol=0)


def run_qsdiff(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the real ``qsdiff`` command (``python -m api.cli``) in a child process.

    ``env``: variables set for it on top of this process's environment.
    """
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        env=None if env is None else {**os.environ, **env},
    )
