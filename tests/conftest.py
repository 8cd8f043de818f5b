"""Shared test set-up: the same allocator tuning as every qsdiff process, one torch thread.

The suite runs in two pytest-xdist workers (``-n 2`` in pyproject), one per core, so each
worker's in-process torch work uses one thread; servers and CLIs the tests start are separate
processes with qsdiff's own defaults.
"""

import torch

from service.runtime import tune_allocator

tune_allocator()
torch.set_num_threads(1)

pytest_plugins = [
    "tests.databases",  # the database_url fixture (SQLite and PostgreSQL)
    "tests.time_budget",  # a default run over the failing bound fails
]
