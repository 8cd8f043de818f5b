"""Process-wide tuning done once at start-up by every qsdiff process (CLI, server, workers)."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

__all__ = ["tune_allocator"]

logger = logging.getLogger(__name__)

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def tune_allocator(mmap_threshold: int = 32 << 20, trim_threshold: int = 128 << 20) -> bool:
    """Keep tensors up to ``mmap_threshold`` bytes on glibc's heap instead of fresh mmaps.

    PyTorch's CPU tensors come from ``malloc``; glibc serves every block above 128 KiB with a
    new ``mmap``, whose pages all fault on first touch. Sampling and training allocate such
    blocks at every step, and on our 2-core machines those faults cost 3x the arithmetic
    (the analytic benchmark's denoiser: 35 ms -> 10 ms a call). Returns False (and changes
    nothing) where the C library is not glibc.
    """
    path = ctypes.util.find_library("c")
    if path is None:
        return False
    libc = ctypes.CDLL(path)
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    ok = bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and bool(
        mallopt(_M_TRIM_THRESHOLD, trim_threshold)
    )
    if not ok:
        logger.warning("mallopt refused the allocator thresholds; sampling may run slower")
    return ok
