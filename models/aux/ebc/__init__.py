"""EbC: Equivariance by Contrast (Schmidt, Schneider & Bethge, NeurIPS 2025, arXiv 2510.21706).

An encoder ``f: [B, F] -> [B, D]`` is learnt from pairs ``(y, g y)`` whose group element ``g``
is never observed; only pairs of one *system* share it. What we followed, from the paper and
its reference code (github.com/dynamical-inference/ebc, ``GCLLoss`` with ``MseInfoNCE`` and
``LeastSquaresSolver``):

* a batch holds ``S`` systems of ``n + 1`` pairs; the ``n`` reference pairs give ``R(g)`` by
  least squares, ``f(g y_i) ~ R f(y_i)``, no orthogonality imposed (general linear
  representations), solved without gradient (the code's default; ``EbcConfig.solve_gradient``
  lets the gradient through, as the code's ``no_grad_solve=False``, and says what it changes);
* the held-out pair is predicted, ``R f(y_0)``, and scored against ``f(g y_0)`` by InfoNCE
  with similarity ``-|a - b|^2 / tau``, negatives being embeddings of other scenes (the
  positive stays in the denominator, unlike the code's ``infonce``, so that the loss is
  bounded: see :mod:`models.aux.ebc.model`);
* the ablation fixes ``R = I`` (the code's plain ``InfoNCELoss``);
* worlds: latents mixed by a random invertible MLP, and small rendered shapes under
  ``R_m x Z_n x Z_n`` (rotations and periodic shifts, as the paper's infinite dSprites).

Our own choices: the latent world's group is the signed permutations ``B_D`` (a finite,
non-abelian stand-in for the paper's O(n)/GL(n) draws), the shapes are drawn in numpy on a
periodic 16 x 16 canvas, the encoder is a plain MLP, and one held-out pair per system.

On the shapes a fit from a random encoder identifies the two position circles but not the
orientation: its embedding collapses onto them (the positions explain 99 % of its variance, and
two of its six principal directions carry none). It is a minimum of the fit, not a limit of
identifiability (``qsdiff bench aux ebc --diagnose``): from an encoder regressed onto the true
latents the fit keeps the orientation at a lower loss, and an encoder blind to positions
(:class:`SpectrumEncoder`) identifies the orientation from a random start. With the gradient
through ``R`` (``EbcConfig.solve_gradient``) the fit from a random start finds the orientation's
``cos`` (``R^2`` 0.90 at 15,000 steps) but still not its ``sin``.
"""

from models.aux.ebc.groups import FiniteGroup, rotations_translations, signed_permutations
from models.aux.ebc.metrics import (
    Measurements,
    embed,
    explained_share,
    latent_r2,
    linear_r2,
    measure,
    position_share,
    variance_shares,
)
from models.aux.ebc.model import Encoder, SpectrumEncoder, infonce, solve_representation
from models.aux.ebc.train import EbcConfig, FitResult, fit, load_encoder, save_encoder
from models.aux.ebc.worlds import LatentWorld, ShapesWorld, World, make_world

__all__ = [
    "EbcConfig",
    "Encoder",
    "FiniteGroup",
    "FitResult",
    "LatentWorld",
    "Measurements",
    "ShapesWorld",
    "SpectrumEncoder",
    "World",
    "embed",
    "explained_share",
    "fit",
    "infonce",
    "latent_r2",
    "linear_r2",
    "load_encoder",
    "make_world",
    "measure",
    "position_share",
    "rotations_translations",
    "save_encoder",
    "signed_permutations",
    "solve_representation",
    "variance_shares",
]
