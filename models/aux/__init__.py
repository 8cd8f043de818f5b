"""Auxiliary group-action models served beside the molecular samplers (``/v1/aux/...``).

Each package is one paper's model with the measurements of its central claim, in the same
shape: ``__init__.py`` (the paper, what we followed and chose, the public API), ``model.py``
(the networks or the group action), ``train.py`` (its ``<Name>TrainConfig`` and training loop;
``EbcConfig`` for ``ebc``), ``metrics.py`` (the measurements), and modules of its own where the
content needs them (``groups.py``, ``data.py``, ...). They share no code with the diffusion
samplers.
"""
