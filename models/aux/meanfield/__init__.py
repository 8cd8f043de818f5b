r"""Shallow networks as particle clouds under a finite group: DA, FA, EA and free training.

Maass and Fontbona, "Symmetries in Overparametrized Neural Networks: A Mean Field View",
NeurIPS 2024 (arXiv:2405.19995). A network is an ensemble of ``N`` units with parameters
``theta_i`` (the particles); ``G`` acts on inputs by orthogonal matrices ``rho_g`` and on one
unit's parameters by ``M_g``, jointly equivariantly (outputs are invariant here):

.. math::

    f(x; \Theta) = \frac{1}{N} \sum_{i=1}^N \sigma_*(x; \theta_i), \qquad
    \sigma_*(x; (a, w, b)) = a \tanh(w \cdot x + b), \qquad
    M_g (a, w, b) = (a, \rho_g w, b), \quad \sigma_*(\rho_g x; M_g \theta) = \sigma_*(x; \theta)

    \text{DA: } \ell(f(\rho_g x), y),\ g \sim U(G) \qquad
    \text{FA: } \ell(f^G(x), y),\ f^G(x) = \tfrac{1}{|G|} \textstyle\sum_g f(\rho_g x) \qquad
    \text{EA: } \theta_i \in E^G = \{\theta : M_g \theta = \theta\ \forall g\}

    \theta_i \leftarrow \theta_i - \varepsilon\, N \nabla_{\theta_i} \hat R_B(\Theta)
    \quad (\text{mean-field SGD}, \hat R_B = \tfrac{1}{2B} \textstyle\sum_b (f(x_b) - y_b)^2)

What we followed from the paper:

- Weakly invariant (WI) laws are ``G``-invariant laws of ``theta``; strongly invariant (SI)
  laws live on ``E^G``. Teachers are WI (a union of orbits), SI (particles in ``E^G``) or
  arbitrary. Students start iid from a WI law (a standard Gaussian, ``M_g`` is orthogonal) or
  from its SI projection ``P_{E^G} = |G|^{-1} sum_g M_g``.
- Training is the paper's SGD scheme with fresh samples from a ``G``-invariant input law
  (``x ~ N(0, I)``); every scheme sees the same samples from the same initial particles. The
  SGD noise shrinks as ``N`` grows because the batch is ``B = batch_per_unit * N`` (the
  mean-field regime needs the noise to vanish with ``N``; the paper shrinks the step instead,
  which costs the same and is slower in numpy).
- Distances between clouds are the exact quadratic Wasserstein distance between the
  empirical measures (optimal assignment), made relative to the clouds' second moments, as
  the paper's relative measure distance (RMD) is.
- The subspace heuristic (the paper's Section 5): start from an SI law on a small subspace
  ``E_0``, train freely, and if the trained cloud left ``E_j`` by more than a threshold, let
  ``E_{j+1}`` be ``E_j`` plus the principal directions of the part that left; stop when the
  cloud stays. Our ``E_0`` is the output weight alone (the network that outputs zero) and the
  threshold is one relative distance ``tol``; the paper's exact threshold rule is not copied.

Shapes: ``N`` units, ``D = d + 2`` parameters per unit ``(a, w: [d], b)``, ``B`` samples of
``d`` features, ``|G|`` group elements. Everything is numpy, float64.

Modules: :mod:`.groups` (``c2``, ``c3`` and ``M_g``), :mod:`.model` (the particle network,
teachers, initial laws), :mod:`.train` (the four schemes), :mod:`.metrics` (risk, distances,
the subspace heuristic).
"""

from models.aux.meanfield.groups import GROUPS, Group, make_group
from models.aux.meanfield.metrics import (
    SubspaceSearch,
    discover_subspace,
    relative_distance,
    risk,
    subspace_escape,
    symmetry_gap,
)
from models.aux.meanfield.model import (
    TEACHERS,
    Teacher,
    init_particles,
    make_teacher,
    predict,
    unit_gradient,
)
from models.aux.meanfield.train import SCHEMES, MeanfieldTrainConfig, train

__all__ = [
    "GROUPS",
    "SCHEMES",
    "TEACHERS",
    "Group",
    "MeanfieldTrainConfig",
    "SubspaceSearch",
    "Teacher",
    "discover_subspace",
    "init_particles",
    "make_group",
    "make_teacher",
    "predict",
    "relative_distance",
    "risk",
    "subspace_escape",
    "symmetry_gap",
    "train",
    "unit_gradient",
]
