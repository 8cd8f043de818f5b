"""Shared test set-up: the same allocator tuning as every qsdiff process."""

from service.runtime import tune_allocator

tune_allocator()

pytest_plugins = [
    "tests.databases",  # the database_url fixture (SQLite and PostgreSQL)
    "tests.time_budget",  # a default run over 50 minutes fails
]
