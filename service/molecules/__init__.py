"""De novo molecules (QM9-like): generation, the job task, training data, training."""
