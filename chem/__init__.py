"""RDKit and Biopython side: featurization, file formats, metrics, datasets."""
