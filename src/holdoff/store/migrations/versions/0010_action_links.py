"""Action links: the shared signing secret and the tokens already used.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from holdoff.store.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_server_secrets"),
    )
    op.create_table(
        "used_action_tokens",
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.Integer, nullable=False),
        sa.Column("used_at", UTCDateTime, nullable=False),
        sa.Column("used_by", sa.String(255)),
        sa.PrimaryKeyConstraint("nonce", name="pk_used_action_tokens"),
    )


def downgrade() -> None:
    op.drop_table("used_action_tokens")
    op.drop_table("server_secrets")
