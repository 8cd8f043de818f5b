"""Test databases: SQLite files, and PostgreSQL schemas on the server the CI machines run.

PostgreSQL is found through ``QSDIFF_TEST_POSTGRES_URL`` (default: the local server with trust
auth); each test gets a fresh schema that is dropped afterwards. Where no server answers, the
PostgreSQL variants skip with a message that says so (``pytest -ra`` lists it).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

POSTGRES_URL = os.environ.get(
    "QSDIFF_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a new, empty schema; the schema is dropped at exit."""
    schema = f"qsdiff_test_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except OperationalError as e:
        admin.dispose()
        pytest.skip(f"PostgreSQL NOT TESTED: no server at {POSTGRES_URL} ({type(e).__name__})")
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:
    """The job store's URL on each supported database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jobs.db'}"
    else:
        with postgres_schema_url() as url:
            yield url
