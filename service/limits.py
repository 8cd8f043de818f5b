"""Bounds shared by the API's parameter schemas and the command line's options."""

__all__ = ["MAX_SEED"]

MAX_SEED = 2**31 - 1
"""The largest seed: seeds are written as 32-bit integer properties of SDF and PDB files."""
