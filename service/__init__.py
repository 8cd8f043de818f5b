"""Settings, the model registry, and the service packages: jobs, training, one per product, aux."""
