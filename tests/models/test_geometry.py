import math

import pytest
import torch

from models import geometry
from tests.helpers import assert_rotation_equivariant, ragged_clouds, rigid_rotation_field

SIZES = [1, 2, 3, 5, 12, 40]
DTYPES = [torch.float32, torch.float64]
TOL = {torch.float32: 2e-5, torch.float64: 1e-12}


def _scale(x: torch.Tensor) -> float:
    return float(x.abs().max())


def test_center_removes_each_graph_centroid():
    pos = torch.randn(10, 3, dtype=torch.float64) + 5.0
    batch = torch.tensor([0, 0, 0, 1, 1, 1, 1, 2, 2, 2])
    centred = geometry.center(pos, batch)
    torch.testing.assert_close(
        geometry.scatter_sum(centred, batch), torch.zeros(3, 3, dtype=torch.float64)
    )
    torch.testing.assert_close(centred[:3] - centred[0], pos[:3] - pos[0])


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"pos of shape \[N, 3\], got \(4, 2\)"):
        geometry.center(torch.zeros(4, 2), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"batch of shape \[N\]"):
        geometry.center(torch.zeros(4, 3), torch.zeros(3, dtype=torch.long))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("collinear", [False, True])
def test_projection_is_idempotent_and_orthogonal(dtype, collinear):
    pos, batch = ragged_clouds(SIZES, dtype=dtype, collinear=collinear)
    v = torch.randn(pos.shape, dtype=dtype)
    w = torch.randn(pos.shape, dtype=dtype)
    pv = geometry.horizontal_projection(pos, v, batch)
    ppv = geometry.horizontal_projection(pos, pv, batch)
    assert _scale(ppv - pv) <= TOL[dtype] * _scale(pv)
    lhs = (pv * w).sum()
    rhs = (v * geometry.horizontal_projection(pos, w, batch)).sum()
    assert abs(float(lhs - rhs)) <= TOL[dtype] * pos.shape[0] * 10


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("collinear", [False, True])
def test_projection_kills_rigid_rotations_exactly(dtype, collinear):
    pos, batch = ragged_clouds(SIZES, dtype=dtype, collinear=collinear)
    spin = rigid_rotation_field(pos, batch)
    assert _scale(spin) > 1.0
    killed = geometry.horizontal_projection(pos, spin, batch)
    assert _scale(killed) <= TOL[dtype] * _scale(spin)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("collinear", [False, True])
def test_projected_update_has_no_momentum_and_no_mean(dtype, collinear):
    pos, batch = ragged_clouds(SIZES, dtype=dtype, collinear=collinear)
    v = torch.randn(pos.shape, dtype=dtype) + 3.0  # not mean-free on purpose
    pv = geometry.horizontal_projection(pos, v, batch)
    momentum = geometry.angular_momentum(pos, pv, batch)
    mean = geometry.scatter_sum(pv, batch)
    assert _scale(momentum) <= TOL[dtype] * 100 * _scale(pos) * _scale(v)
    assert _scale(mean) <= TOL[dtype] * 100 * _scale(v)


def test_projection_keeps_a_horizontal_update():
    pos, batch = ragged_clouds([2, 7])
    stretch = 0.3 * pos  # uniform scaling has no angular momentum
    torch.testing.assert_close(geometry.horizontal_projection(pos, stretch, batch), stretch)


def test_projection_and_drift_are_rotation_equivariant():
    pos, batch = ragged_clouds(SIZES)
    v = torch.randn(pos.shape, dtype=torch.float64)
    assert_rotation_equivariant(lambda x: geometry.curvature_drift(x, batch), pos, batch)
    # rotate v together with x: P_{Rx}(Rv) = R P_x(v)
    joint = torch.cat([pos, v], dim=0)
    joint_batch = torch.cat([batch, batch])

    def project(xv):
        x, vv = xv.split(pos.shape[0])
        return torch.cat([x, geometry.horizontal_projection(x, vv, batch)])

    assert_rotation_equivariant(project, joint, joint_batch)


def test_single_atom_graph_has_zero_pinv_and_projection():
    pos = torch.zeros(1, 3, dtype=torch.float64)
    batch = torch.zeros(1, dtype=torch.long)
    k_pinv = geometry.symmetric_pinv(geometry.inertia_tensor(pos, batch))
    assert torch.equal(k_pinv, torch.zeros(1, 3, 3, dtype=torch.float64))
    out = geometry.horizontal_projection(pos, torch.ones(1, 3, dtype=torch.float64), batch)
    assert torch.equal(out, torch.zeros(1, 3, dtype=torch.float64))  # centred: nothing left


@pytest.mark.parametrize("dtype", DTYPES)
def test_pinv_is_exact_on_collinear_graphs(dtype):
    pos, batch = ragged_clouds([2, 3, 4], dtype=dtype, collinear=True)
    k = geometry.inertia_tensor(pos, batch)
    k_pinv = geometry.symmetric_pinv(k)
    # Moore–Penrose conditions K K+ K = K and K+ K K+ = K+
    assert _scale(k @ k_pinv @ k - k) <= TOL[dtype] * 10 * _scale(k)
    assert _scale(k_pinv @ k @ k_pinv - k_pinv) <= TOL[dtype] * 10 * _scale(k_pinv)
    # the rotation about the line is not a direction: K+ must be rank 2, even in float32
    assert torch.linalg.matrix_rank(k_pinv.double(), rtol=1e-3).tolist() == [2, 2, 2]


def test_curvature_drift_is_half_grad_log_det_inertia():
    pos, batch = ragged_clouds([3, 4, 9])
    pos = pos.clone().requires_grad_(True)
    centred = geometry.center(pos, batch)
    log_det = torch.logdet(geometry.inertia_tensor(centred, batch)).sum()
    (grad,) = torch.autograd.grad(log_det, pos)
    torch.testing.assert_close(
        geometry.curvature_drift(centred.detach(), batch), 0.5 * grad, atol=1e-10, rtol=1e-8
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_curvature_drift_is_the_bessel_drift_on_a_diatomic(dtype):
    """Bond vector y = x1 - x2 of a diatomic whose atoms diffuse with variance g^2 each.

    y diffuses with variance 2 g^2 per coordinate; its length is a 3-D Bessel process with drift
    (d - 1) / (2 r) * 2 g^2 = 2 g^2 / r. The quotient SDE only has the radial noise, so its
    drift g^2 / 2 * (c(x1) - c(x2)) must supply exactly that.
    """
    r, g_sq = 1.7, 0.3
    u = torch.tensor([0.6, 0.0, 0.8], dtype=dtype)
    pos = torch.stack([0.5 * r * u, -0.5 * r * u])
    drift = geometry.curvature_drift(pos, torch.zeros(2, dtype=torch.long))
    bond_drift = 0.5 * g_sq * (drift[0] - drift[1])
    torch.testing.assert_close(bond_drift, (2 * g_sq / r) * u, atol=TOL[dtype], rtol=TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_kabsch_recovers_a_known_rotation(dtype):
    pos, batch = ragged_clouds([4, 6, 20], dtype=dtype)
    rot = geometry.random_rotations(3, dtype=dtype, generator=torch.Generator().manual_seed(3))
    moved = (rot[batch] @ pos.unsqueeze(-1)).squeeze(-1)
    found = geometry.kabsch_rotation(pos, moved, batch)
    torch.testing.assert_close(found, rot, atol=TOL[dtype] * 10, rtol=0)
    torch.testing.assert_close(
        geometry.kabsch_align(pos, moved, batch), moved, atol=TOL[dtype] * 10, rtol=0
    )


def test_kabsch_never_reflects():
    pos, batch = ragged_clouds([5, 8])
    mirror = pos * torch.tensor([1.0, 1.0, -1.0], dtype=torch.float64)
    found = geometry.kabsch_rotation(pos, mirror, batch)
    torch.testing.assert_close(
        torch.linalg.det(found), torch.ones(2, dtype=torch.float64), atol=1e-12, rtol=0
    )


def test_random_rotations_are_uniform_rotations():
    rot = geometry.random_rotations(
        20_000, dtype=torch.float64, generator=torch.Generator().manual_seed(0)
    )
    eye = torch.eye(3, dtype=torch.float64).expand(20_000, 3, 3)
    torch.testing.assert_close(rot @ rot.transpose(-1, -2), eye, atol=1e-12, rtol=0)
    torch.testing.assert_close(
        torch.linalg.det(rot), torch.ones(20_000, dtype=torch.float64), atol=1e-12, rtol=0
    )
    # Haar measure: E[R] = 0 and the rotation angle has density (1 - cos a) / pi,
    # so E[cos a] = -1/2.
    assert rot.mean(0).abs().max() < 0.03
    cos_angle = (rot.diagonal(dim1=-2, dim2=-1).sum(-1) - 1) / 2
    assert math.isclose(float(cos_angle.mean()), -0.5, abs_tol=0.02)
