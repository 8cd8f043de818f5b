r"""equitune, equizero and λ-equitune: exactly invariant wrappers of a pretrained classifier.

Basu et al., "Efficient Equivariant Transfer Learning from Pretrained Models", NeurIPS 2023
(arXiv:2305.09900); equizero is the canonicalisation of Kaba et al. (ICML 2023) used zero-shot.
A finite group ``G`` acts on inputs; ``M`` is a pretrained, non-invariant classifier whose
class logits ``M(x): [C]`` should be invariant (the output action is trivial, ``g^{-1} = id``):

.. math::

    M_G(x) = \frac{1}{|G|} \sum_{g \in G} M(gx)                        \quad\text{(equitune)}

    M^0_G(x) = M(g_* x), \quad g_* = \arg\min_{g \in G} \ell(M(gx))    \quad\text{(equizero)}

    M^\lambda_G(x) = \frac{\sum_g \lambda(gx)\, M(gx)}{\sum_g \lambda(gx)}  \quad\text{(λ-equitune)}

What we followed, and what we chose where the paper leaves room:

- Averages are of logits. The paper averages CLIP's features before the text head; our head
  is one linear layer and the weights sum to one, so the two are the same.
- equizero's proxy loss ``l`` is the negative max softmax probability (the most confident
  transformation, the paper's choice for classification) or the entropy.
- Ties in ``l`` are broken by the lexicographic order of the logits, then by group index. The
  first two depend only on the multiset ``{M(gx)}``, the same for every point of the orbit, so
  the output is exactly invariant even on ties; only the reported ``g_*`` uses the index.
- ``λ(gx) = exp(s(φ(gx))) > 0`` with ``s`` a small MLP on M's penultimate features ``φ``;
  dividing by the sum over ``G`` is a softmax over the group. As in the paper's zero-shot
  λ-equitune, only ``s`` is trained (on upright training data), ``M`` stays frozen.
- Sums over ``G`` are taken in sorted order, so floating-point rounding cannot depend on which
  point of the orbit came in: invariance is exact, not up to 1e-7.

Groups: C4 (rotations by 90°) and D4 (with reflections) on images ``[B, H, W]``; the 24
rotations of the cube (signed permutations, det +1) on molecules ``[B, N, 3 + T]`` (centred
coordinates in Å, then element one-hot). Orbits are stacked as ``[G, B, ...]``.

Modules: :mod:`.groups` (C4, D4, O), :mod:`.model` (M, λ and the wrappers), :mod:`.train`
(M upright, λ with M frozen), :mod:`.metrics` (accuracy and orbit-consistency), :mod:`.data`
(molecule rows).
"""

from models.aux.equizero.data import gyration_radius, molecule_inputs
from models.aux.equizero.groups import GROUPS, FiniteGroup, cube_rotations, cyclic4, dihedral4
from models.aux.equizero.metrics import OrbitScores, orbit_predictions, orbit_scores
from models.aux.equizero.model import (
    METHODS,
    PROXIES,
    DigitCNN,
    LambdaNet,
    Method,
    MoleculeMLP,
    Proxy,
    Wrapped,
    orbit_outputs,
    wrap,
)
from models.aux.equizero.train import EquizeroTrainConfig, train_classifier, train_lambda

__all__ = [
    "GROUPS",
    "METHODS",
    "PROXIES",
    "DigitCNN",
    "EquizeroTrainConfig",
    "FiniteGroup",
    "LambdaNet",
    "Method",
    "MoleculeMLP",
    "OrbitScores",
    "Proxy",
    "Wrapped",
    "cube_rotations",
    "cyclic4",
    "dihedral4",
    "gyration_radius",
    "molecule_inputs",
    "orbit_outputs",
    "orbit_predictions",
    "orbit_scores",
    "train_classifier",
    "train_lambda",
    "wrap",
]
