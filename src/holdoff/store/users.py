"""Queries for dashboard users.

``users.failed_logins`` and ``users.locked_until`` are left from the lock that login throttling
(:mod:`holdoff.store.login_throttle`) replaced; nothing reads or writes them any more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, select, update

from holdoff.store.tables import users


@dataclass(frozen=True)
class StoredUser:
    id: int
    name: str
    role: str
    password_hash: str
    created_at: datetime
    last_login_at: datetime | None


_COLUMNS = (
    users.c.id,
    users.c.name,
    users.c.role,
    users.c.password_hash,
    users.c.created_at,
    users.c.last_login_at,
)


def _stored(row: Any) -> StoredUser:
    return StoredUser(**row._mapping)


def insert(conn: Connection, *, name: str, role: str, password_hash: str, now: datetime) -> int:
    statement = users.insert().returning(users.c.id)
    values = {
        "name": name,
        "role": role,
        "password_hash": password_hash,
        "failed_logins": 0,
        "created_at": now,
    }
    return int(conn.execute(statement, values).scalar_one())


def by_name(conn: Connection, name: str, *, for_update: bool = False) -> StoredUser | None:
    query = select(*_COLUMNS).where(users.c.name == name)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return _stored(row) if row is not None else None


def listing(conn: Connection) -> list[StoredUser]:
    return [_stored(row) for row in conn.execute(select(*_COLUMNS).order_by(users.c.name))]


def record_login(conn: Connection, user_id: int, *, now: datetime, password_hash: str | None = None) -> None:
    """A successful login at ``now``; a new hash when the old one's parameters are out of date."""
    values: dict[str, Any] = {"last_login_at": now}
    if password_hash is not None:
        values["password_hash"] = password_hash
    conn.execute(update(users).where(users.c.id == user_id).values(**values))


def any_exist(conn: Connection) -> bool:
    return bool(conn.execute(select(exists().where(users.c.id.is_not(None)))).scalar())
