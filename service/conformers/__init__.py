"""Conformers from a molecular graph: generation, the job task, training data, training."""
