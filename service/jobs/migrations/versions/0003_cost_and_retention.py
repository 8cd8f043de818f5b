"""Jobs carry their cost in work units; finished jobs are found by when they finished.

``cost`` is what the per-key quotas add up (jobs from before it count 0); the index on
``finished_at`` serves the retention purge.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    """Add ``jobs.cost`` and the index ``ix_jobs_finished_at``."""
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("cost", sa.BigInteger(), nullable=False, server_default="0"))
        batch.create_index("ix_jobs_finished_at", ["finished_at"])


def downgrade() -> None:
    """Drop ``jobs.cost`` and ``ix_jobs_finished_at``."""
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_finished_at")
        batch.drop_column("cost")
