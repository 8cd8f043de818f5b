"""Auxiliary group-action models served beside the molecular samplers (``/v1/aux/...``).

Each module is one paper's model with the measurements of its central claim; they share no
code with the diffusion samplers.
"""
