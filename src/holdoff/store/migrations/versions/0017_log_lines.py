"""Log lines: raw log records kept for a bounded retention, each with its template id.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from holdoff.store.types import Id, UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_lines",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.Column("timestamp", UTCDateTime, nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("host", sa.String(255)),
        sa.Column("level", sa.String(64)),
        sa.Column("severity_number", sa.Integer),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("template_id", sa.String(32)),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("record_id", sa.String(255)),
    )
    op.create_index("ix_log_lines_service_record_id", "log_lines", ["service", "record_id"], unique=True)
    op.create_index("ix_log_lines_received_at", "log_lines", ["received_at"])
    op.create_index("ix_log_lines_service_timestamp", "log_lines", ["service", "timestamp"])
    op.create_index("ix_log_lines_template_id", "log_lines", ["template_id"])


def downgrade() -> None:
    op.drop_index("ix_log_lines_template_id", table_name="log_lines")
    op.drop_index("ix_log_lines_service_timestamp", table_name="log_lines")
    op.drop_index("ix_log_lines_received_at", table_name="log_lines")
    op.drop_index("ix_log_lines_service_record_id", table_name="log_lines")
    op.drop_table("log_lines")
