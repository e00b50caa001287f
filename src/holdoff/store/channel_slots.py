"""Rate limits shared by every Holdoff process on one database: per channel, when it may send next.

A sender takes a channel's slot in the transaction that claims the message it will send; the
conditional upsert below succeeds for one process only, so two processes (or two hosts) never send
through a channel faster than its limit together.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from holdoff.store.tables import channel_slots


def take(conn: Connection, channel: str, now: datetime, following: datetime) -> bool:
    """Take ``channel``'s slot if it is free at ``now``, its next one then at ``following``."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(channel_slots).values(channel=channel, next_at=following)
    upsert = statement.on_conflict_do_update(
        index_elements=["channel"],
        set_={"next_at": statement.excluded.next_at},
        where=channel_slots.c.next_at <= now,
    )
    return conn.execute(upsert.returning(channel_slots.c.channel)).first() is not None


def next_free(conn: Connection, channel: str) -> datetime | None:
    """When ``channel`` may send next (None: it never sent)."""
    return conn.execute(select(channel_slots.c.next_at).where(channel_slots.c.channel == channel)).scalar()
