"""C-alpha traces to full backbones (N, CA, C, O) with ideal peptide geometry.

Each peptide unit ``CA_i - C_i(=O_i) - N_i+1 - CA_i+1`` is a rigid, planar, trans template
with Engh & Huber bond lengths and angles, placed on the ``CA_i -> CA_i+1`` axis (so C-N, CA-C,
N-CA and C=O lengths and the CA-C-N, C-N-CA, CA-C-O angles are ideal wherever consecutive
C-alphas are 3.80 A apart). The one free parameter, the plane's rotation about that axis, is
predicted from the neighbouring C-alphas with weights fitted by least squares on the real
chains of ``../shared/data/proteins/train.npz`` (median error 15 degrees). The terminal units
use virtual C-alphas extended along the chain.
"""

from __future__ import annotations

import numpy as np

__all__ = ["IDEAL", "rebuild_backbone"]

IDEAL = {  # Engh & Huber (1991): lengths in A, angles in degrees
    "N-CA": 1.458,
    "CA-C": 1.525,
    "C-N": 1.329,
    "C=O": 1.231,
    "CA-C-N": 116.2,
    "C-N-CA": 121.7,
    "CA-C-O": 120.1,
}
# weights of unit(perp(a)), unit(perp(c)), unit(a x e), unit(e x c) for the plane direction
# (a = CA_i - CA_i-1, e = unit(CA_i+1 - CA_i), c = CA_i+2 - CA_i+1); fitted on train.npz
PLANE_WEIGHTS = np.array([0.0494, 0.1276, -0.0393, 0.7750])


def _template() -> dict[str, np.ndarray]:
    """The peptide unit in 2-D, CA_i at the origin and CA_i+1 on the +x axis."""

    def turn(direction: np.ndarray, degrees: float) -> np.ndarray:
        r = np.radians(degrees)
        return np.array([[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]]) @ direction

    c = np.array([IDEAL["CA-C"], 0.0])
    n_dir = turn(np.array([1.0, 0.0]), 180 - IDEAL["CA-C-N"])
    n = c + IDEAL["C-N"] * n_dir
    ca_next = n + IDEAL["N-CA"] * turn(n_dir, -(180 - IDEAL["C-N-CA"]))  # trans: turn back
    o = c + IDEAL["C=O"] * turn(-np.array([1.0, 0.0]), IDEAL["CA-C-O"])  # away from N
    axis = ca_next / np.linalg.norm(ca_next)
    rotate = np.array([[axis[0], axis[1]], [-axis[1], axis[0]]])  # CA-CA axis onto +x
    placed = {name: rotate @ p for name, p in (("C", c), ("N", n), ("O", o), ("CA", ca_next))}
    flip = np.array([1.0, np.sign(placed["C"][1])])  # C on the +y side, as the weights assume
    return {name: p * flip for name, p in placed.items()}


TEMPLATE = _template()
CA_CA = float(TEMPLATE["CA"][0])  # 3.80 A for this geometry


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.clip(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9, None)


def _perp(v: np.ndarray, e: np.ndarray) -> np.ndarray:
    return v - (v * e).sum(-1, keepdims=True) * e


def rebuild_backbone(ca: np.ndarray) -> np.ndarray:
    """``[L, 3]`` C-alpha coordinates -> ``[L, 4, 3]`` N, CA, C, O."""
    ca = np.asarray(ca, dtype=np.float64)
    length = len(ca)
    if length < 2:
        raise ValueError(f"a backbone needs at least 2 residues, got {length}")
    step_first, step_last = ca[1] - ca[0], ca[-1] - ca[-2]
    padded = np.concatenate(
        [[ca[0] - step_first], ca, [ca[-1] + step_last, ca[-1] + 2 * step_last]]
    )
    # peptide unit k joins padded[k] and padded[k + 1]; units 0 .. L cover N_0 .. C_L-1
    start, end = padded[:-2], padded[1:-1]
    before = np.concatenate([[2 * padded[0] - padded[1]], padded[:-3]])
    after = padded[2:]
    e = _unit(end - start)
    a, c = start - before, after - end
    features = [_perp(a, e), _perp(c, e), np.cross(a, e), np.cross(e, c)]
    u = sum(w * _unit(f) for w, f in zip(PLANE_WEIGHTS, features, strict=True))
    u = _unit(_perp(u, e))
    fallback = np.linalg.norm(u, axis=-1) < 0.5  # straight ends: any perpendicular will do
    if fallback.any():
        helper = np.where(np.abs(e[:, :1]) < 0.9, [[1.0, 0, 0]], [[0, 1.0, 0]])
        u[fallback] = _unit(np.cross(e, helper))[fallback]
    scale = np.linalg.norm(end - start, axis=-1, keepdims=True) / CA_CA
    midpoint_shift = 0.5 * (scale - 1.0) * CA_CA  # spread a CA-CA deviation over both ends

    def place(name: str) -> np.ndarray:
        x, y = TEMPLATE[name]
        return start + (x + midpoint_shift) * e + y * u

    c_atoms, n_atoms, o_atoms = place("C"), place("N"), place("O")
    backbone = np.empty((length, 4, 3))
    backbone[:, 0] = n_atoms[:length]  # unit k ends at residue k
    backbone[:, 1] = ca
    backbone[:, 2] = c_atoms[1 : length + 1]  # unit k + 1 starts at residue k
    backbone[:, 3] = o_atoms[1 : length + 1]
    return backbone
