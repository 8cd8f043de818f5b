"""PDINet: projective-invariant image classification (Li et al., NeurIPS 2025).

Followed from the paper (its abstract and the task's description of it; the full text was not
retrievable here): second-order fundamental differential invariants of a multi-channel image
from Gaussian-derivative filters, for neighbouring channel pairs — the values ``u^i``, the
isophote forms ``I^i``, the mixed forms ``M^{i,i+1}`` and their swaps, the Jacobians
``J^{i,i+1}`` and ``J^{i,i+2}`` (``6C - 5`` maps) — normalised by a reference Jacobian of the
input image; a PDI layer is invariants -> 1x1 conv -> nonlinearity -> 1x1 conv, and PDINet a
residual stack of them with global pooling and a linear classifier.

Derived here (see :mod:`.invariants`): the weights used in the normalisation (2 for ``I, M``,
1 for ``J``). Chosen here: the reference channels (two colour gradients of the card the digits
are printed on, :mod:`.data`), the ``asinh`` squashing and batch norm before the first 1x1
conv, and a global max rather than a mean (:mod:`.model`).

Modules: :mod:`.invariants` (the maps), :mod:`.homography` (warps), :mod:`.data` (rendered
images), :mod:`.model` (PDINet, the CNN baseline), :mod:`.train` (fitting them),
:mod:`.metrics` (the measurements).
"""

from models.aux.pdinet.data import (
    REFERENCE_CHANNELS,
    DigitSplit,
    load_digits_split,
    render_cards,
    render_smooth_scene,
)
from models.aux.pdinet.homography import (
    InvalidHomography,
    apply_homography,
    random_homographies,
    validate_homography,
)
from models.aux.pdinet.invariants import (
    gaussian_jet,
    normalised_invariants,
    num_invariants,
    reference_jacobian,
    relative_invariants,
)
from models.aux.pdinet.metrics import (
    InvarianceErrors,
    accuracy,
    homography_accuracy,
    invariance_errors,
)
from models.aux.pdinet.model import CNN, CNNConfig, PDILayer, PDINet, PDINetConfig, num_parameters
from models.aux.pdinet.train import PDINetTrainConfig, train_classifier

__all__ = [
    "CNN",
    "REFERENCE_CHANNELS",
    "CNNConfig",
    "DigitSplit",
    "InvalidHomography",
    "InvarianceErrors",
    "PDILayer",
    "PDINet",
    "PDINetConfig",
    "PDINetTrainConfig",
    "accuracy",
    "apply_homography",
    "gaussian_jet",
    "homography_accuracy",
    "invariance_errors",
    "load_digits_split",
    "normalised_invariants",
    "num_invariants",
    "num_parameters",
    "random_homographies",
    "reference_jacobian",
    "relative_invariants",
    "render_cards",
    "render_smooth_scene",
    "train_classifier",
    "validate_homography",
]
