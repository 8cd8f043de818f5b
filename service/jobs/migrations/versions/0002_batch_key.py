"""Jobs carry a batch key: queued jobs of one key can be leased and run together.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    """Add ``jobs.batch_key`` and its index."""
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("batch_key", sa.String(128), nullable=True))
        batch.create_index("ix_jobs_batch_key", ["batch_key"])


def downgrade() -> None:
    """Drop ``jobs.batch_key``."""
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_batch_key")
        batch.drop_column("batch_key")
