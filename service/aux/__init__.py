"""The auxiliary group-action models, one slice each: ``AUX_MODELS`` maps name -> description.

Each ``NAME`` has the same shape everywhere: its model in the package ``models/aux/NAME/``,
its library functions here in ``service/aux/NAME.py`` (with the job task of those that run as
jobs, ``ebc`` and ``meanfield``), its command in ``api/cli/aux/NAME.py`` (``qsdiff aux NAME``),
its routes in ``api/routes/aux/NAME.py`` (``/v1/aux/NAME/...``) and its benchmark in
``bench/aux/NAME.py`` (``qsdiff bench aux NAME``).
"""

AUX_MODELS: dict[str, str] = {
    "pdinet": "PDINet: projective-invariant image classifier (Li et al., NeurIPS 2025)",
    "ebc": "Equivariance by Contrast: group representations learnt from pairs (NeurIPS 2025)",
    "cogs": "CoGS: composed global solutions of modular addition (Tian, NeurIPS 2025)",
    "equizero": "equizero / equitune: equivariant wrappers of pretrained models (NeurIPS 2023)",
    "latent": "latent group actions: an autoencoder whose latent code carries g (NeurIPS 2024)",
    "meanfield": "mean-field view of symmetries in shallow networks (NeurIPS 2024)",
}
