r"""The four training objectives (symmetry treatments) for a denoiser ``D(x_t, t) ~ x_1``.

========== ================================================ ====================================
treatment  loss per sample (mean over rows)                 optimum
========== ================================================ ====================================
quotient   :math:`w |P_{x_t}(D - x_1)|^2`                     :math:`P_{x_t} E[x_1|x_t]` + anything
                                                            vertical
equivariant :math:`w |D - x_1|^2` (EDM, ET-Flow)             :math:`E[x_1 | x_t]`
geodiff    :math:`w |D - A_{x_t}(x_1)|^2` (x_1 aligned       :math:`E[A_{x_t}(x_1) | x_t]`
           onto x_t)
af3        :math:`w |D - A_{sg D}(x_1)|^2` (x_1 aligned      fixed point of the same
           onto the stopped-gradient prediction)
========== ================================================ ====================================

Only the quotient loss leaves the network free in the rotational (vertical) directions and
still has an optimum the quotient sampler turns into exact samples (Xu et al., ICLR 2026). The
two alignment heuristics regress onto targets that are not conditional expectations of the
data, which is why their samples are biased (see ``bench/toy.py``).
"""

from __future__ import annotations

from typing import Literal, get_args

from torch import Tensor

from models.spaces import ConfigurationSpace

__all__ = ["TREATMENTS", "Treatment", "check_treatment", "denoiser_loss", "regression_target"]

Treatment = Literal["quotient", "equivariant", "geodiff", "af3"]
TREATMENTS: tuple[str, ...] = get_args(Treatment)


def check_treatment(name: str) -> Treatment:
    """``name`` if it is a known treatment, else a ``ValueError`` that lists the choices."""
    if name not in TREATMENTS:
        raise ValueError(f"unknown treatment {name!r}; choose one of {list(TREATMENTS)}")
    return name  # type: ignore[return-value]


def regression_target(
    treatment: Treatment, space: ConfigurationSpace, x1: Tensor, x_t: Tensor, pred: Tensor
) -> Tensor:
    """What ``pred: [N, D]`` is regressed onto (before any projection), ``[N, D]``."""
    if treatment in ("quotient", "equivariant"):
        return x1
    if treatment == "geodiff":
        return space.align(x1, x_t)
    if treatment == "af3":
        return space.align(x1, pred.detach())
    raise ValueError(f"unknown treatment {treatment!r}; choose one of {list(TREATMENTS)}")


def denoiser_loss(
    treatment: Treatment,
    space: ConfigurationSpace,
    pred: Tensor,
    x1: Tensor,
    x_t: Tensor,
    weight: Tensor | None = None,
) -> Tensor:
    """Scalar loss of ``pred: [N, D]`` against data ``x1: [N, D]`` at ``x_t: [N, D]``.

    Each sample's squared error is averaged over its rows, multiplied by its ``weight: [B]``
    (``w(t)``; ones by default) and averaged over samples.
    """
    residual = pred - regression_target(treatment, space, x1, x_t, pred)
    if treatment == "quotient":
        residual = space.horizontal(x_t, residual)
    per_sample = space.mean_per_sample(space.squared_norm(residual))
    if weight is not None:
        per_sample = per_sample * weight
    return per_sample.mean()
