"""The auxiliary group-action models: name -> one-line description.

Each ``NAME`` has its model in ``models/aux/NAME.py``, its command in ``service/aux_NAME.py``
(``qsdiff aux NAME``), its benchmark in ``bench/aux_NAME.py`` (``qsdiff bench aux NAME``) and
its routes in ``api/routes/aux_NAME.py`` (``/v1/aux/NAME/...``).
"""

AUX_MODELS: dict[str, str] = {
    "pdinet": "PDINet: projective-invariant image classifier (Li et al., NeurIPS 2025)",
    "ebc": "Equivariance by Contrast: group representations learnt from pairs (NeurIPS 2025)",
    "cogs": "CoGS: composed global solutions of modular addition (Tian, NeurIPS 2025)",
    "equizero": "equizero / equitune: equivariant wrappers of pretrained models (NeurIPS 2023)",
    "latent": "latent group actions: an autoencoder whose latent code carries g (NeurIPS 2024)",
    "meanfield": "mean-field view of symmetries in shallow networks (NeurIPS 2024)",
}
