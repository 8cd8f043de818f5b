"""Alembic environment: migrations run on the connection ``migrate()`` passes.

:func:`service.jobs.migrate.migrate` opens it.
"""

from alembic import context

from service.jobs.records import JOBS_METADATA

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=JOBS_METADATA,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
)
with context.begin_transaction():
    context.run_migrations()
