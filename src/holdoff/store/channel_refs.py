"""Per (channel, message key): the reference the channel gave the message it created."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from holdoff.store.tables import channel_refs


def get(conn: Connection, channel: str, key: str) -> str | None:
    query = select(channel_refs.c.ref).where(channel_refs.c.channel == channel, channel_refs.c.key == key)
    return conn.execute(query).scalar_one_or_none()


def put(conn: Connection, channel: str, key: str, ref: str, now: datetime) -> None:
    """Remember ``ref`` for (channel, key), replacing an older one."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(channel_refs).values(channel=channel, key=key, ref=ref, updated_at=now)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["channel", "key"], set_={"ref": statement.excluded.ref, "updated_at": now}
        )
    )
