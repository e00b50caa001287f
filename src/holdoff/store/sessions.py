"""Queries for dashboard sessions (stored by the SHA-256 of the cookie's id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from holdoff.store.tables import sessions, users


@dataclass(frozen=True)
class StoredSession:
    id_hash: str
    user_id: int
    user_name: str
    role: str
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


def insert(
    conn: Connection, *, id_hash: str, user_id: int, csrf_token: str, now: datetime, expires_at: datetime
) -> None:
    conn.execute(
        sessions.insert().values(
            id_hash=id_hash,
            user_id=user_id,
            csrf_token=csrf_token,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
        )
    )


_GET = select(
    sessions.c.id_hash,
    sessions.c.user_id,
    users.c.name.label("user_name"),
    users.c.role,
    sessions.c.csrf_token,
    sessions.c.created_at,
    sessions.c.last_seen_at,
    sessions.c.expires_at,
).join(users, users.c.id == sessions.c.user_id)


def get(conn: Connection, id_hash: str) -> StoredSession | None:
    """The session with its user's name and current role."""
    row = conn.execute(_GET.where(sessions.c.id_hash == id_hash)).first()
    return StoredSession(**row._mapping) if row is not None else None


def touch(conn: Connection, id_hash: str, now: datetime) -> None:
    conn.execute(update(sessions).where(sessions.c.id_hash == id_hash).values(last_seen_at=now))


def remove(conn: Connection, id_hash: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.id_hash == id_hash))


def remove_ended(conn: Connection, *, now: datetime, idle_before: datetime) -> int:
    """Delete sessions past their absolute expiry or idle since ``idle_before``; how many."""
    result = conn.execute(
        delete(sessions).where((sessions.c.expires_at <= now) | (sessions.c.last_seen_at <= idle_before))
    )
    return result.rowcount
