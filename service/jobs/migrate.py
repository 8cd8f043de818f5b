"""The job database's schema, kept current with Alembic migrations (SQLite and PostgreSQL).

Every process that opens the store runs :func:`migrate` first; it is a no-op when the database
is current. On PostgreSQL an advisory lock makes concurrent starters (API replicas, workers on
many machines) migrate one at a time. A database made before migrations existed (tables created
directly by the first release) is recognised and stamped as revision 0001 first.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text

__all__ = ["migrate"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_ID = 0x71_5D_1F  # pg_advisory_lock key of qsdiff migrations
FIRST_REVISION = "0001"


def migrate(engine: Engine) -> None:
    """Bring the database at ``engine`` to the newest schema."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        config.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "jobs" in tables and "alembic_version" not in tables:
            command.stamp(config, FIRST_REVISION)
        command.upgrade(config, "head")
