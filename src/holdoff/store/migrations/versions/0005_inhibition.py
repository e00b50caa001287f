"""Inhibition: which open alerts inhibit which keys, and which alert kept a target from escalating.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from holdoff.store.types import Id

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("inhibited_by", sa.Text))
    op.create_index("ix_alerts_inhibited_by", "alerts", ["inhibited_by"])
    op.create_table(
        "inhibitors",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inhibitors"),
    )
    op.create_index("ix_inhibitors_source", "inhibitors", ["source"])


def downgrade() -> None:
    op.drop_table("inhibitors")
    op.drop_index("ix_alerts_inhibited_by", "alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("inhibited_by")
