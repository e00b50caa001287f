"""Repair text stored before the rule for input (holdoff.edge): lone surrogates and NUL become U+FFFD.

Before this revision a webhook could store a label such as ``"v\\ud800"`` in a JSON column; reading it
back broke the alert list, the WebSocket and deliveries. Only JSON columns could hold such text (text
columns refused it on write), and only as a ``\\u`` escape, so only rows whose JSON text has one are
read, cleaned and written back.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from holdoff.edge import clean

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

JSON_COLUMNS = {
    "alerts": ("labels", "annotations", "links", "flap_times"),
    "alert_events": ("payload",),
    "incidents": ("labels", "firing", "pending"),
    "notifications": ("message",),
    "silences": ("matchers",),
}


def _repaired(text: str | None) -> Any:
    """The cleaned value when ``text`` held bad text; ``None`` when it needs no change."""
    if text is None:
        return None
    value = json.loads(text)
    cleaned = clean(value)
    return cleaned if cleaned != value else None


def upgrade() -> None:
    bind = op.get_bind()
    for table_name, columns in JSON_COLUMNS.items():
        table = sa.table(
            table_name, sa.column("id", sa.BigInteger), *(sa.column(c, sa.JSON) for c in columns)
        )
        as_text = [sa.cast(table.c[c], sa.Text).label(c) for c in columns]
        escaped = sa.or_(*(sa.cast(table.c[c], sa.Text).like("%\\u%", escape="!") for c in columns))
        rows = bind.execute(sa.select(table.c.id, *as_text).where(escaped)).all()
        for row in rows:
            changes = {c: fixed for c in columns if (fixed := _repaired(getattr(row, c))) is not None}
            if changes:
                bind.execute(sa.update(table).where(table.c.id == row.id).values(**changes))


def downgrade() -> None:
    """Nothing to undo: the replaced characters could not be shown or sent anyway."""
