"""Queries for dashboard users."""

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
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None


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
    query = select(users).where(users.c.name == name)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return _stored(row) if row is not None else None


def listing(conn: Connection) -> list[StoredUser]:
    return [_stored(row) for row in conn.execute(select(users).order_by(users.c.name))]


def set_login_state(
    conn: Connection,
    user_id: int,
    *,
    failed_logins: int,
    locked_until: datetime | None,
    last_login_at: datetime | None = None,
    password_hash: str | None = None,
) -> None:
    values: dict[str, Any] = {"failed_logins": failed_logins, "locked_until": locked_until}
    if last_login_at is not None:
        values["last_login_at"] = last_login_at
    if password_hash is not None:
        values["password_hash"] = password_hash
    conn.execute(update(users).where(users.c.id == user_id).values(**values))


def any_exist(conn: Connection) -> bool:
    return bool(conn.execute(select(exists().where(users.c.id.is_not(None)))).scalar())
