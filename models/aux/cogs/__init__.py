r"""CoGS: composed global solutions of group addition (Tian, NeurIPS 2025, arXiv 2410.01779).

A 2-layer network with quadratic activation predicts ``x + y`` in an Abelian group
``G = Z_{n_1} x ... x Z_{n_r}`` of order ``d`` (elements flattened row-major, ``[d]``):

.. math::

    f_t(x, y) = \frac{1}{2d} \sum_j w^c_{tj} (w^a_{jx} + w^b_{jy})^2, \qquad
    \ell = \mathbb{E}_{x,y} \| P^\perp_1 (f(x, y) - e_{x+y}) \|^2,

with ``w_a, w_b: [q, d]``, ``w_c: [d, q]`` (``q`` hidden nodes) and ``P^\perp_1`` removing the
mean over classes (the luckmatters ``mse`` loss). Characters ``chi_k(x) = exp(2 pi i k.x / n)``
give the Fourier weights ``z = (a, b, c): [3, d, q]`` with ``w^a_{jx} = sum_k a_{kj} chi_k(x)``,
``w^c_{tj} = sum_k c_{kj} conj(chi_k(t))``. Parseval over ``t`` and then over ``(x, y)`` gives
(derived here; the paper writes ``l = d^-1 sum_k l_k``; checked against ``projected_loss``)

.. math::

    \ell = \frac{1}{d} \sum_{k \ne 0} \sum_{m, n} \big| r_{mnk}
        + \tfrac12 \delta_{n0} R^a_{mk} + \tfrac12 \delta_{m0} R^b_{nk}
        - \delta_{mk}\delta_{nk} \big|^2, \quad
    r_{k_1 k_2 k} = \sum_j a_{k_1 j} b_{k_2 j} c_{kj}, \quad
    R^p_{mk} = \sum_{k'} \sum_j z_{p k' j} z_{p, m-k', j} c_{kj}.

Every sum potential (SP) ``sum_j prod z_{pkj}`` is a ring homomorphism of the semi-ring of
weights: ``+`` concatenates hidden nodes, ``*`` multiplies per frequency over all node pairs
(Khatri-Rao). For one frequency ``k`` (a node set ``(a_j, b_j, c_j)`` at ``k``, conjugates at
``-k``) zero loss needs (group order odd, so ``k != -k``): ``R_c``: ``sum abc = 1``,
``sum conj(a)bc = sum a conj(b)c = sum ab conj(c) = 0``; ``R_*``: ``sum aac = sum conj(a)^2 c =
sum bbc = sum conj(b)^2 c = 0``; ``R_n``: ``sum (|a|^2 + |b|^2) c = 0`` (the paper asks the
homomorphic parts ``sum |a|^2 c`` and ``sum |b|^2 c`` to vanish on their own).

Constructions (per frequency, each node scaled so ``abc = 1``; ``omega = e^{2 pi i / 3}``):
``z_syn = {(1,1,1), (omega,omega,omega), (omega^2,omega^2,omega^2)}`` kills all but ``aac,
bbc``; ``z_nu = {(1,1,1), (nu, -nu, -1/nu^2)}`` kills ``aac, bbc``; so ``z_F6 = z_nu * z_syn``
(6 nodes) is a global solution per frequency. ``z_{nu=i}`` also kills ``conj(a)bc, a conj(b)c,
R_*``; ``z_xi = {(1,1,1), (xi, i conj(xi), -i)}`` with ``|xi| = 1`` kills ``ab conj(c)``, so
``z_F4 = z_{nu=i} * z_xi`` (4 nodes) meets ``R_c, R_*`` but leaves ``R_n`` (a constant class
bias ``sum (|a|^2+|b|^2) c``). The paper's ``z_F4/6`` (total order ``2d``) cancels it across
frequencies: one frequency carries ``z_F6`` with ``|nu| = 1``, whose hidden sum
``sum_j (w^a_{jx} + w^b_{jy})^2`` is then constant in ``(x, y)`` (only its ``|a|^2, |b|^2`` SPs
survive with ``c = 1``), and its output weights get the shared vector that cancels the biases
of all order-4 frequencies (``c_{kj} += gamma_k`` for every ``k``).

Modules: :mod:`.groups` (the group), :mod:`.model` (the network, its Fourier weights and
sum potentials), :mod:`.constructions` (the global solutions), :mod:`.train` (gradient
descent), :mod:`.metrics` (the homomorphism check and the analysis of a network).
"""

from models.aux.cogs.constructions import (
    MONOMIALS,
    Construction,
    Partial,
    construct,
    remove_frequency,
    z_nu,
    z_syn,
    z_xi,
)
from models.aux.cogs.groups import MAX_GROUP_ORDER, AbelianGroup
from models.aux.cogs.metrics import Analysis, FrequencyStructure, analyse, homomorphism_errors
from models.aux.cogs.model import (
    Weights,
    accuracy,
    fourier_loss_terms,
    from_fourier,
    projected_loss,
    ring_add,
    ring_mul,
    sum_potentials,
    to_fourier,
)
from models.aux.cogs.train import CogsTrainConfig, train

__all__ = [
    "MAX_GROUP_ORDER",
    "MONOMIALS",
    "AbelianGroup",
    "Analysis",
    "CogsTrainConfig",
    "Construction",
    "FrequencyStructure",
    "Partial",
    "Weights",
    "accuracy",
    "analyse",
    "construct",
    "fourier_loss_terms",
    "from_fourier",
    "homomorphism_errors",
    "projected_loss",
    "remove_frequency",
    "ring_add",
    "ring_mul",
    "sum_potentials",
    "to_fourier",
    "train",
    "z_nu",
    "z_syn",
    "z_xi",
]
