r"""SE(3) geometry of ragged point-cloud batches.

Every function works on a ragged batch: ``pos: [N, 3]`` holds the atoms of ``B`` graphs and
``batch: [N]`` says which graph each atom belongs to (0..B-1, as in torch_geometric). Nothing is
padded; per-graph sums are scatters over ``batch``.

Translations are removed by centring; rotations by the horizontal projection

.. math::
    P_x(v)_n = v_n - \omega \times x_n, \qquad \omega = K^{+} L, \qquad
    K = \sum_n |x_n|^2 I - x_n x_n^\top, \qquad L = \sum_n x_n \times v_n,

which is the Euclidean-orthogonal projection onto the complement of the rigid-rotation
directions ``{omega x x}`` at ``x`` (Xu et al., "Quotient-Space Diffusion Models", ICLR 2026).
``K^+`` is the pseudo-inverse on the range of ``K``, so that collinear graphs (diatomics, CO2)
are exact: their rotation about their own axis is not a direction at all.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = [
    "angular_momentum",
    "center",
    "curvature_drift",
    "horizontal_projection",
    "inertia_tensor",
    "kabsch_align",
    "kabsch_rotation",
    "num_graphs",
    "random_rotations",
    "scatter_sum",
    "symmetric_pinv",
]


def num_graphs(batch: Tensor) -> int:
    """Number of graphs ``B`` in ``batch: [N]`` (graph indices are 0..B-1)."""
    return int(batch.max().item()) + 1 if batch.numel() else 0


def scatter_sum(src: Tensor, batch: Tensor, size: int | None = None) -> Tensor:
    """Sum ``src: [N, ...]`` per graph into ``[B, ...]``."""
    size = num_graphs(batch) if size is None else size
    out = src.new_zeros((size, *src.shape[1:]))
    return out.index_add_(0, batch, src)


def _check_pos(pos: Tensor, batch: Tensor) -> None:
    if pos.dim() != 2 or pos.shape[1] != 3:
        raise ValueError(f"expected pos of shape [N, 3], got {tuple(pos.shape)}")
    if batch.shape != pos.shape[:1]:
        raise ValueError(
            f"expected batch of shape [N] = [{pos.shape[0]}], got {tuple(batch.shape)}"
        )


def center(pos: Tensor, batch: Tensor, size: int | None = None) -> Tensor:
    """Remove each graph's centroid: ``pos: [N, 3] -> [N, 3]`` with zero mean per graph.

    Also used on updates and noise, which must stay in the mean-free subspace.
    """
    _check_pos(pos, batch)
    size = num_graphs(batch) if size is None else size
    counts = scatter_sum(torch.ones_like(pos[:, :1]), batch, size).clamp_min(1)
    return pos - (scatter_sum(pos, batch, size) / counts)[batch]


def inertia_tensor(pos: Tensor, batch: Tensor, size: int | None = None) -> Tensor:
    r"""Inertia tensor per graph, ``[B, 3, 3]``, of centred ``pos: [N, 3]`` (unit masses).

    .. math:: K = \sum_n |x_n|^2 I - x_n x_n^\top
    """
    _check_pos(pos, batch)
    outer = pos.unsqueeze(2) * pos.unsqueeze(1)  # [N, 3, 3]
    eye = torch.eye(3, dtype=pos.dtype, device=pos.device)
    per_atom = (pos * pos).sum(-1)[:, None, None] * eye - outer
    return scatter_sum(per_atom, batch, size)


def symmetric_pinv(mat: Tensor, rtol: float | None = None) -> Tensor:
    """Pseudo-inverse of symmetric positive semi-definite ``mat: [B, 3, 3]``.

    Eigenvalues below ``rtol * max_eigenvalue`` count as zero (default ``rtol``: 1000 machine
    epsilons of the dtype), so the rank-2 inertia tensor of a collinear graph is inverted on its
    range only, exactly, in float32 as in float64. An all-zero matrix (one atom) gives zero.
    """
    rtol = 1e3 * torch.finfo(mat.dtype).eps if rtol is None else rtol
    evals, evecs = torch.linalg.eigh(mat)
    cutoff = rtol * evals.abs().amax(-1, keepdim=True)
    keep = evals > cutoff
    inv = torch.where(keep, 1.0 / torch.where(keep, evals, torch.ones_like(evals)), 0.0)
    return (evecs * inv.unsqueeze(-2)) @ evecs.transpose(-1, -2)


def angular_momentum(pos: Tensor, vel: Tensor, batch: Tensor, size: int | None = None) -> Tensor:
    r"""Angular momentum per graph, ``[B, 3]``: :math:`L = \sum_n x_n \times v_n`."""
    return scatter_sum(torch.linalg.cross(pos, vel, dim=-1), batch, size)


def horizontal_projection(
    pos: Tensor,
    vel: Tensor,
    batch: Tensor,
    size: int | None = None,
    k_pinv: Tensor | None = None,
) -> Tensor:
    r"""Horizontal part ``P_x(v): [N, 3]`` of ``vel: [N, 3]`` at centred ``pos: [N, 3]``.

    The mean of ``vel`` is removed first (translations), then the rigid rotation
    :math:`\omega \times x_n` with :math:`\omega = K^+ L` that carries all of ``vel``'s angular
    momentum. The result has zero mean and zero angular momentum per graph, and ``P`` is an
    orthogonal projection (``P(P(v)) = P(v)``). ``k_pinv: [B, 3, 3]`` may be passed when the
    caller already has :math:`K^+` at ``pos``.
    """
    _check_pos(vel, batch)
    size = num_graphs(batch) if size is None else size
    vel = center(vel, batch, size)
    if k_pinv is None:
        k_pinv = symmetric_pinv(inertia_tensor(pos, batch, size))
    omega = (k_pinv @ angular_momentum(pos, vel, batch, size).unsqueeze(-1)).squeeze(-1)
    return vel - torch.linalg.cross(omega[batch], pos, dim=-1)


def curvature_drift(
    pos: Tensor, batch: Tensor, size: int | None = None, k_pinv: Tensor | None = None
) -> Tensor:
    r"""Curvature drift ``[N, 3]`` of the quotient SDE at centred ``pos: [N, 3]``.

    .. math:: c(x)_n = (\operatorname{tr}(K^+) I - K^+) x_n = \tfrac12 \nabla_{x_n} \log \det K

    It points outward: it is the mean-curvature correction that makes horizontally projected
    Brownian motion project to Brownian motion on shape space (the Bessel drift ``(d-1)/(2r)``
    for a diatomic). The quotient SDE adds ``sigma_t^2 / 2 * c(x)`` to its drift.
    """
    k_pinv = symmetric_pinv(inertia_tensor(pos, batch, size))  # [B, 3, 3]
    trace = k_pinv.diagonal(dim1=-2, dim2=-1).sum(-1)  # [B]
    per_atom = k_pinv[batch]  # [N, 3, 3]
    return trace[batch, None] * pos - (per_atom @ pos.unsqueeze(-1)).squeeze(-1)


def kabsch_rotation(src: Tensor, dst: Tensor, batch: Tensor, size: int | None = None) -> Tensor:
    """Proper rotations ``R: [B, 3, 3]`` minimising ``sum_n |R src_n - dst_n|^2`` per graph.

    ``src, dst: [N, 3]`` must be centred. Reflections are excluded (det R = +1).
    """
    _check_pos(src, batch)
    _check_pos(dst, batch)
    cov = scatter_sum(src.unsqueeze(2) * dst.unsqueeze(1), batch, size)  # [B, 3, 3] sum s d^T
    u, _, vh = torch.linalg.svd(cov)
    v = vh.transpose(-1, -2)
    sign = torch.sign(torch.linalg.det(v @ u.transpose(-1, -2)))
    sign = torch.where(sign == 0, torch.ones_like(sign), sign)
    fix = torch.ones(u.shape[:-1], dtype=u.dtype, device=u.device)
    fix[:, -1] = sign
    return (v * fix.unsqueeze(-2)) @ u.transpose(-1, -2)


def kabsch_align(src: Tensor, dst: Tensor, batch: Tensor, size: int | None = None) -> Tensor:
    """``src: [N, 3]`` rigidly rotated onto ``dst: [N, 3]`` (both centred), per graph."""
    rot = kabsch_rotation(src, dst, batch, size)
    return (rot[batch] @ src.unsqueeze(-1)).squeeze(-1)


def random_rotations(
    num: int,
    *,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
    generator: torch.Generator | None = None,
) -> Tensor:
    """``num`` rotation matrices ``[num, 3, 3]`` drawn uniformly (Haar) from SO(3).

    Uses normalised Gaussian quaternions, which are uniform on the 3-sphere.
    """
    q = torch.randn(num, 4, dtype=dtype, device=device, generator=generator)
    w, x, y, z = (q / q.norm(dim=-1, keepdim=True)).unbind(-1)
    return torch.stack(
        [
            1 - 2 * (y * y + z * z),
            2 * (x * y - z * w),
            2 * (x * z + y * w),
            2 * (x * y + z * w),
            1 - 2 * (x * x + z * z),
            2 * (y * z - x * w),
            2 * (x * z - y * w),
            2 * (y * z + x * w),
            1 - 2 * (x * x + y * y),
        ],
        dim=-1,
    ).reshape(num, 3, 3)
