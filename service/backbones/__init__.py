"""Protein C-alpha backbones: generation, the job task, training data, training."""
