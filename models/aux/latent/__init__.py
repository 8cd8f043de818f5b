r"""Latent group actions: an autoencoder whose latent code carries the rotation ``g``.

After Jin, Shrivastava and Fletcher, "Learning Group Actions on Latent Representations"
(NeurIPS 2024). What this package follows from the paper:

* the group acts on the *latent* code, not on the pixels: an encoder :math:`E`, a linear action
  :math:`\rho(g)` on part of :math:`z = E(x)`, a decoder :math:`D` that renders the result;
* the remaining latent channels are left invariant, which is what lets a factor that does not
  move (here a fixed occluder) survive the action;
* training on triples :math:`(x, g, g \cdot x)` with the loss

  .. math::

      \mathcal{L} = \| D(\rho(g) E(x)) - g \cdot x \|^2 ;

* plain encoder/decoder networks (no group-specific layers), and the comparison against a
  data-space action on rotated digits with and without a block that stays put ("rotated and
  blocked MNIST"), measured by PSNR and SSIM of the predicted :math:`g \cdot x`.

What is ours, to fit a few CPU minutes: scikit-learn's 8x8 digits (1,797 images) stand in for
MNIST; small MLPs for encoder and decoder; no attention module (the paper's architecture
figure has one); and the action chosen here: ``K`` 2-D blocks of a latent vector rotated by
:math:`m_k \theta` (frequencies :math:`m_k = 1 + (k \bmod M)`), so :math:`\rho` is an exact
representation of SO(2) and :math:`\rho(g_2)\rho(g_1) = \rho(g_2 g_1)` holds to float
precision. The pixel baseline is exact rotation of ``x``, not a learnt data-space model.

Shapes: ``B`` images, ``H = W`` pixels a side (24), ``K`` rotation blocks, ``F`` latent
features (``2K`` rotating, then the invariant ones). Images are ``[B, H, W]`` in ``[0, 1]``;
angles are radians, counter-clockwise as displayed (row 0 at the top).

Modules: :mod:`.data` (digits, occluder, triples), :mod:`.model` (the autoencoder and
:math:`\rho`), :mod:`.train` (the fit), :mod:`.metrics` (PSNR, SSIM, composition).
"""

from models.aux.latent.data import (
    IMAGE_SIZE,
    Triples,
    heldout_triples,
    load_digit_images,
    make_triples,
    occlude,
    random_angles,
    rotate,
    split_digits,
)
from models.aux.latent.metrics import (
    composition_metrics,
    heldout_metrics,
    pixel_action,
    psnr,
    ssim,
)
from models.aux.latent.model import LatentActionAE, LatentConfig
from models.aux.latent.train import LatentTrainConfig, train_model

__all__ = [
    "IMAGE_SIZE",
    "LatentActionAE",
    "LatentConfig",
    "LatentTrainConfig",
    "Triples",
    "composition_metrics",
    "heldout_metrics",
    "heldout_triples",
    "load_digit_images",
    "make_triples",
    "occlude",
    "pixel_action",
    "psnr",
    "random_angles",
    "rotate",
    "split_digits",
    "ssim",
    "train_model",
]
