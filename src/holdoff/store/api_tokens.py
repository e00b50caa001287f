"""Queries for API tokens (only their hashes are stored)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, select, update

from holdoff.store.tables import api_tokens


@dataclass(frozen=True)
class StoredToken:
    id: str
    name: str
    role: str
    token_hash: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _stored(row: Any) -> StoredToken:
    return StoredToken(**row._mapping)


def insert(conn: Connection, *, id: str, name: str, role: str, token_hash: str, now: datetime) -> None:
    conn.execute(
        api_tokens.insert().values(id=id, name=name, role=role, token_hash=token_hash, created_at=now)
    )


def get(conn: Connection, token_id: str) -> StoredToken | None:
    row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
    return _stored(row) if row is not None else None


def listing(conn: Connection) -> list[StoredToken]:
    return [_stored(row) for row in conn.execute(select(api_tokens).order_by(api_tokens.c.created_at))]


def revoke(conn: Connection, token_id: str, now: datetime) -> bool:
    """Revoke a token that is not revoked yet; whether one was."""
    result = conn.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount > 0


def touch(conn: Connection, token_id: str, now: datetime) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now))


def any_active(conn: Connection) -> bool:
    return bool(conn.execute(select(exists().where(api_tokens.c.revoked_at.is_(None)))).scalar())
