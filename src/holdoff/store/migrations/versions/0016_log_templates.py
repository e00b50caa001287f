"""Log templates: what the template miner found, kept so template ids and counts outlive a restart.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from holdoff.store.types import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_templates",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("founding", sa.Text, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.Column("first_seen", UTCDateTime),
        sa.Column("last_seen", UTCDateTime),
        sa.Column("merged_into", sa.String(32)),
        sa.PrimaryKeyConstraint("id", name="pk_log_templates"),
    )
    op.create_index("ix_log_templates_last_seen", "log_templates", ["last_seen"])


def downgrade() -> None:
    op.drop_index("ix_log_templates_last_seen", table_name="log_templates")
    op.drop_table("log_templates")
