"""Queries for login throttling: one row per (tried name's key, source address), shared by every process.

The rows live in the database rather than in memory so that several Holdoff processes (or hosts) see
the same counts: an attacker cannot spread guesses over them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from holdoff.auth.throttle import Count
from holdoff.store.tables import login_throttle

Key = tuple[str, str]
"""(user key, source key)."""


def lock(conn: Connection, keys: list[Key], now: datetime) -> dict[Key, Count]:
    """The counts of ``keys``, their rows locked for this transaction (missing rows are made first, so
    two processes counting the same key at once take turns)."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        insert(login_throttle)
        .values(
            [
                {"user_key": user, "source": source, "failures": 0, "last_failure_at": now}
                for user, source in keys
            ]
        )
        .on_conflict_do_nothing(index_elements=["user_key", "source"])
    )
    wanted = [
        and_(login_throttle.c.user_key == user, login_throttle.c.source == source) for user, source in keys
    ]
    rows = conn.execute(
        select(login_throttle)
        .where(or_(*wanted))
        .order_by(login_throttle.c.user_key, login_throttle.c.source)
        .with_for_update()
    )
    return {
        (row.user_key, row.source): Count(row.failures, row.last_failure_at, row.blocked_until)
        for row in rows
    }


def save(conn: Connection, key: Key, count: Count) -> None:
    user, source = key
    conn.execute(
        update(login_throttle)
        .where(login_throttle.c.user_key == user, login_throttle.c.source == source)
        .values(
            failures=count.failures, last_failure_at=count.last_failure_at, blocked_until=count.blocked_until
        )
    )


def remove(conn: Connection, key: Key) -> None:
    user, source = key
    conn.execute(
        delete(login_throttle).where(login_throttle.c.user_key == user, login_throttle.c.source == source)
    )


def remove_user(conn: Connection, user: str) -> int:
    """Forget every address's count for one user key; how many rows there were."""
    return conn.execute(delete(login_throttle).where(login_throttle.c.user_key == user)).rowcount


def forget(conn: Connection, *, failed_before: datetime, now: datetime) -> None:
    """Drop rows with no failure since ``failed_before`` and no block left (the table stays small even
    when many names are tried)."""
    conn.execute(
        delete(login_throttle).where(
            login_throttle.c.last_failure_at < failed_before,
            (login_throttle.c.blocked_until.is_(None)) | (login_throttle.c.blocked_until <= now),
        )
    )


def blocked_until(conn: Connection, users: list[str], now: datetime) -> dict[str, datetime]:
    """For each of these user keys still blocked from some address at ``now``: until when, at the latest."""
    if not users:
        return {}
    latest = func.max(login_throttle.c.blocked_until)
    rows = conn.execute(
        select(login_throttle.c.user_key, latest)
        .where(login_throttle.c.user_key.in_(users), login_throttle.c.blocked_until > now)
        .group_by(login_throttle.c.user_key)
    )
    return {user: until for user, until in rows}
