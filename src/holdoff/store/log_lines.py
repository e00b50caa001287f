"""Raw log records as stored: written in batches, listed newest first, deleted by retention.

A record's ``record_id`` (the sender's id) is unique per service: :func:`insert` skips a record
already stored (``INSERT ... ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL), so a retried post
is stored once. What retention deletes is decided by :func:`retention_cutoff` (pure) and done by
:func:`delete_expired` in batches, so one sweep never holds a long write lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, delete, func, or_, select
from sqlalchemy.dialects import postgresql

from holdoff import edge
from holdoff.store.tables import log_lines

_L = log_lines.c

DEFAULT_RETENTION_HOURS = 72
DEFAULT_MAX_ROWS = 1_000_000
DEFAULT_DELETE_BATCH = 5_000


@dataclass(frozen=True, slots=True)
class LogLineRow:
    """One log record to store (or as stored: ``id`` is set when read back)."""

    received_at: datetime
    timestamp: datetime
    service: str
    host: str | None
    level: str | None
    severity_number: int | None
    message: str
    template_id: str | None
    attributes: dict[str, str]
    record_id: str | None
    severity: str | None = None
    """Holdoff's assessed severity (a :class:`~holdoff.logs.model.LogSeverity` label); None: not judged."""
    critical: bool | None = None
    score: float | None = None
    reason: list[list[Any]] | None = None
    """The verdict's reason, strongest first: ``[[feature name, weight], ...]``."""
    model_version: str | None = None
    id: int | None = None


def known_record_ids(conn: Connection, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (service, record id) pairs are stored already."""
    by_service: dict[str, set[str]] = {}
    for service, record_id in keys:
        by_service.setdefault(service, set()).add(record_id)
    found: set[tuple[str, str]] = set()
    for service, ids in by_service.items():
        rows = conn.execute(
            select(_L.record_id).where(_L.service == service, _L.record_id.in_(sorted(ids)))
        ).scalars()
        found.update((service, record_id) for record_id in rows if record_id is not None)
    return found


def insert(conn: Connection, rows: Sequence[LogLineRow]) -> int:
    """Store these records in one statement, skipping any whose (service, record id) is stored; how
    many were stored."""
    if not rows:
        return 0
    if conn.dialect.name == "sqlite":
        return _insert_sqlite(conn, rows)
    return len(conn.execute(_INSERT_POSTGRESQL, [_values(row) for row in rows]).all())


# Compiled once (cached) and executed with many parameter sets, sent as multi-row INSERTs
# ("insertmanyvalues"), rather than a new statement with a bound parameter per value for every
# batch, whose compilation was most of the cost of a 1,000-line request.
_INSERT_POSTGRESQL: Final = (
    postgresql.insert(log_lines)
    .on_conflict_do_nothing(index_elements=["service", "record_id"])
    .returning(_L.id)
)

_INSERT_SQLITE: Final = (
    "INSERT INTO log_lines (received_at, timestamp, service, host, level, severity_number, message, "
    "template_id, attributes, record_id, severity, critical, score, reason, model_version) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (service, record_id) DO NOTHING"
)
"""Positional: :func:`_insert_sqlite` gives each row's values in this column order."""


def _insert_sqlite(conn: Connection, rows: Sequence[LogLineRow]) -> int:
    """SQLite: the driver's ``executemany`` with the values converted here, as the column types would
    (a UTC time as SQLAlchemy's SQLite text, JSON through the engine's serialiser, None as JSON
    ``null``), in less than half the time SQLAlchemy's per-value conversion takes, byte for byte the
    same rows. The driver sums the rows each insert stored: a skipped record counts 0."""
    times: dict[datetime, str] = {}

    def at(value: datetime) -> str:
        text = times.get(value)
        if text is None:
            text = times[value] = _sqlite_time(value)
        return text

    params = [
        (
            at(row.received_at),
            at(row.timestamp),
            row.service,
            row.host,
            row.level,
            row.severity_number,
            row.message,
            row.template_id,
            edge.dumps(row.attributes) if row.attributes else "{}",
            row.record_id,
            row.severity,
            row.critical,
            row.score,
            "null" if row.reason is None else edge.dumps(row.reason),
            row.model_version,
        )
        for row in rows
    ]
    return int(conn.exec_driver_sql(_INSERT_SQLITE, params).rowcount)


def _sqlite_time(value: datetime) -> str:
    """An aware time as :class:`~holdoff.store.types.UTCDateTime` stores it on SQLite."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column; use an aware datetime")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _values(row: LogLineRow) -> dict[str, Any]:
    return {
        "received_at": row.received_at,
        "timestamp": row.timestamp,
        "service": row.service,
        "host": row.host,
        "level": row.level,
        "severity_number": row.severity_number,
        "message": row.message,
        "template_id": row.template_id,
        "attributes": row.attributes,
        "record_id": row.record_id,
        "severity": row.severity,
        "critical": row.critical,
        "score": row.score,
        "reason": row.reason,
        "model_version": row.model_version,
    }


def recent(
    conn: Connection,
    *,
    service: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    template_id: str | None = None,
    host: str | None = None,
    contains: str | None = None,
    limit: int = 100,
) -> list[LogLineRow]:
    """Stored records, newest first (by timestamp, then arrival), filtered by what is given
    (``since`` and ``until`` inclusive; ``contains`` is a plain substring of the message)."""
    query = select(log_lines)
    if service is not None:
        query = query.where(_L.service == service)
    if since is not None:
        query = query.where(_L.timestamp >= since)
    if until is not None:
        query = query.where(_L.timestamp <= until)
    if host is not None:
        query = query.where(_L.host == host)
    if contains is not None:
        query = query.where(_L.message.contains(contains, autoescape=True))
    if template_id is not None:
        query = query.where(_L.template_id == template_id)
    query = query.order_by(_L.timestamp.desc(), _L.id.desc()).limit(limit)
    return [
        LogLineRow(
            id=row.id,
            received_at=row.received_at,
            timestamp=row.timestamp,
            service=row.service,
            host=row.host,
            level=row.level,
            severity_number=row.severity_number,
            message=row.message,
            template_id=row.template_id,
            attributes=dict(row.attributes or {}),
            record_id=row.record_id,
            severity=row.severity,
            critical=row.critical,
            score=row.score,
            reason=row.reason,
            model_version=row.model_version,
        )
        for row in conn.execute(query)
    ]


@dataclass(frozen=True, slots=True)
class Cutoff:
    """What retention deletes: rows received before ``before``, and the ``excess`` oldest rows."""

    before: datetime
    excess: int


def retention_cutoff(
    now: datetime, *, count: int, hours: float = DEFAULT_RETENTION_HOURS, max_rows: int = DEFAULT_MAX_ROWS
) -> Cutoff:
    """Pure: rows received more than ``hours`` ago go, and beyond ``max_rows`` rows the oldest go."""
    return Cutoff(before=now - timedelta(hours=hours), excess=max(0, count - max_rows))


def delete_expired(
    conn: Connection,
    now: datetime,
    *,
    hours: float = DEFAULT_RETENTION_HOURS,
    max_rows: int = DEFAULT_MAX_ROWS,
    batch: int = DEFAULT_DELETE_BATCH,
) -> int:
    """Delete what retention says, ``batch`` rows per statement; how many rows went."""
    count = int(conn.execute(select(func.count()).select_from(log_lines)).scalar_one())
    cutoff = retention_cutoff(now, count=count, hours=hours, max_rows=max_rows)
    expired = _L.received_at < cutoff.before
    if cutoff.excess:
        # ids grow with arrival: the newest ``max_rows`` ids stay, every older one goes
        boundary = conn.execute(
            select(_L.id).order_by(_L.id.desc()).offset(max_rows).limit(1)
        ).scalar_one_or_none()
        if boundary is not None:
            expired = or_(expired, _L.id <= boundary)
    deleted = 0
    while True:
        ids = select(_L.id).where(expired).order_by(_L.id).limit(batch).scalar_subquery()
        gone = int(conn.execute(delete(log_lines).where(_L.id.in_(ids))).rowcount)
        deleted += gone
        if gone < batch:
            return deleted
