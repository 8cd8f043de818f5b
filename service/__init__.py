"""Settings, model registry, job store, workers and the CLI (see ARCHITECTURE.md)."""
