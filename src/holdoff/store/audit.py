"""Queries for the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from holdoff.store.tables import audit_log


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    who: str
    via: str
    role: str | None
    method: str
    path: str
    target: str | None
    status: int


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(**row._mapping)


def insert(
    conn: Connection,
    *,
    at: datetime,
    who: str,
    via: str,
    role: str | None,
    method: str,
    path: str,
    target: str | None,
    status: int,
) -> int:
    statement = audit_log.insert().returning(audit_log.c.id)
    values = {
        "at": at,
        "who": who[:255],
        "via": via[:64],
        "role": role,
        "method": method[:16],
        "path": path[:1024],
        "target": target[:64] if target else None,
        "status": status,
    }
    return int(conn.execute(statement, values).scalar_one())


def listing(
    conn: Connection, *, limit: int, target: str | None = None, before: int | None = None
) -> list[AuditEntry]:
    """Newest first; only entries about ``target`` (``"alert:12"``) and older than id ``before`` if given."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if target is not None:
        query = query.where(audit_log.c.target == target)
    if before is not None:
        query = query.where(audit_log.c.id < before)
    return [_entry(row) for row in conn.execute(query)]
