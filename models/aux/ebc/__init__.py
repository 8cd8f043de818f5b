"""EbC: Equivariance by Contrast (Schmidt, Schneider & Bethge, NeurIPS 2025, arXiv 2510.21706).

An encoder ``f: [B, F] -> [B, D]`` is learnt from pairs ``(y, g y)`` whose group element ``g``
is never observed; only pairs of one *system* share it. What we followed, from the paper and
its reference code (github.com/dynamical-inference/ebc, ``GCLLossV2`` with ``MseInfoNCE`` and
``LeastSquaresSolver``):

* a batch holds ``S`` systems of ``n + 1`` pairs; the ``n`` reference pairs give ``R(g)`` by
  least squares, ``f(g y_i) ~ R f(y_i)``, no orthogonality imposed (general linear
  representations), solved without gradient (the code's default; ``EbcConfig.solve_gradient``
  lets the gradient through, as the code's ``no_grad_solve=False``, and says what it changes);
* each pair in turn is held out (``EbcConfig.held_out``; the code's ``GCLLoss`` holds out one),
  predicted from ``R`` of the other ``n``, ``R f(y_0)``, and scored against ``f(g y_0)`` by InfoNCE
  with similarity ``-|a - b|^2 / tau``, negatives being embeddings of other scenes (the
  positive stays in the denominator, unlike the code's ``infonce``, so that the loss is
  bounded: see :mod:`models.aux.ebc.model`);
* the ablation fixes ``R = I`` (the code's plain ``InfoNCELoss``);
* worlds: latents mixed by a random invertible MLP, and small rendered shapes under
  ``R_m x Z_n x Z_n`` (rotations and periodic shifts, as the paper's infinite dSprites).

Our own choices: the latent world's group is the signed permutations ``B_D`` (a finite,
non-abelian stand-in for the paper's O(n)/GL(n) draws), the shapes are drawn in numpy on a
periodic 16 x 16 canvas, and the encoder is a plain MLP.

On the shapes the embedding needs room beside the 6 latents, and the gradient through ``R``
(``EbcConfig.embedding`` and ``solve_gradient``; the shapes' ``SETTING_DEFAULTS`` set both, and
the reference's notebook embeds in 9 dimensions too): in the latent dimension the fit
identifies the two position circles and at most the orientation's ``cos``, a minimum of the
fit, not a limit of identifiability (``qsdiff bench aux ebc --diagnose``: from an encoder
regressed onto the true latents the fit keeps the orientation at a lower loss, and an encoder
blind to positions, :class:`SpectrumEncoder`, identifies it from a random start).

The shapes' group has automorphisms that the objective cannot tell from the identity: an
embedding of the true latents with its circles sheared (e.g. the orientation turned by a half
turn per quarter shift along x) is as equivariant, its loss the same, and a linear readout of
the true latents scores it 0; :func:`twisted_r2` measures each circle up to them. The fits
from a random encoder find the orientation sheared so.

Modules: :mod:`.groups` (the finite groups), :mod:`.worlds` (latent and shapes worlds),
:mod:`.model` (encoders, ``R`` and InfoNCE), :mod:`.train` (``EbcConfig`` and the fit),
:mod:`.metrics` (the measurements).
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
    twisted_r2,
    variance_shares,
)
from models.aux.ebc.model import Encoder, SpectrumEncoder, infonce, solve_representation
from models.aux.ebc.train import (
    SETTING_DEFAULTS,
    EbcConfig,
    FitResult,
    fit,
    load_encoder,
    save_encoder,
)
from models.aux.ebc.worlds import LatentWorld, ShapesWorld, World, make_world

__all__ = [
    "SETTING_DEFAULTS",
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
    "twisted_r2",
    "variance_shares",
]
