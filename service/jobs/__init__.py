"""The job queue: the store (source of truth), its migrations, the worker loop, the executors."""
