"""Log line counts as stored: per template, service and minute, and in total per service and severity.

The minutes (``log_template_minutes``) feed the Logs page's top templates and sparklines and are kept
longer than the raw lines; the totals (``log_totals``) are ``holdoff_log_lines_total`` on ``/metrics``
and are never deleted, so the counter survives restarts and every process reports the same figure.

Writers never read-modify-write: each batch is one ``INSERT ... ON CONFLICT DO UPDATE`` adding to the
stored counts, so two processes adding to the same key both count. Rows go in sorted key order, so on
PostgreSQL two batches take their row locks in one order and never wait on each other in a circle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, delete, func, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from holdoff.store.tables import log_template_minutes, log_templates, log_totals

_M = log_template_minutes.c
_T = log_totals.c

ROWS_PER_STATEMENT = 1_000
"""Rows per upsert statement: well under SQLite's and PostgreSQL's limits on bound parameters."""
DEFAULT_DELETE_BATCH = 5_000


class TemplateCount(NamedTuple):
    """A template's lines (and critical ones among them) over a window: a row of :func:`top`."""

    template_id: str
    lines: int
    critical: int


def minute_of(ts: datetime) -> datetime:
    """The UTC minute ``ts`` falls in (seconds dropped); an aware datetime is required."""
    if ts.tzinfo is None:
        raise ValueError("naive datetime given to minute_of; use an aware datetime")
    return ts.astimezone(UTC).replace(second=0, microsecond=0)


def add_minutes(conn: Connection, counts: Mapping[tuple[str, str, datetime], tuple[int, int]]) -> None:
    """Add ``(lines, critical lines)`` to each ``(template id, service, minute)`` stored; a key not
    stored yet starts from these. Times are counted in their minute (:func:`minute_of`), so keys
    given at finer times add up in one row."""
    by_minute: dict[tuple[str, str, datetime], tuple[int, int]] = {}
    for (template_id, service, at), (lines, critical) in counts.items():
        key = (template_id, service, minute_of(at))
        before_lines, before_critical = by_minute.get(key, (0, 0))
        by_minute[key] = (before_lines + lines, before_critical + critical)
    rows = [
        {
            "template_id": template_id,
            "service": service,
            "minute": minute,
            "count": lines,
            "critical": critical,
        }
        for (template_id, service, minute), (lines, critical) in sorted(by_minute.items())
        if lines or critical
    ]
    _upsert(
        conn,
        log_template_minutes,
        rows,
        keys=["template_id", "service", "minute"],
        add={"count": _M.count, "critical": _M.critical},
    )


def add_totals(conn: Connection, totals: Mapping[tuple[str, str], int]) -> None:
    """Add to the lines ever received per ``(service, severity label)``."""
    rows = [
        {"service": service, "severity": severity, "total": total}
        for (service, severity), total in sorted(totals.items())
        if total
    ]
    _upsert(conn, log_totals, rows, keys=["service", "severity"], add={"total": _T.total})


def _upsert(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, keys: list[str], add: dict[str, Any]
) -> None:
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        statement = insert(table).values(rows[start : start + ROWS_PER_STATEMENT])
        new = statement.excluded
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=keys, set_={name: column + new[name] for name, column in add.items()}
            )
        )


def totals(conn: Connection) -> dict[tuple[str, str], int]:
    """Lines ever received per ``(service, severity label)``."""
    return {
        (service, severity): int(total)
        for service, severity, total in conn.execute(select(_T.service, _T.severity, _T.total))
    }


def series(
    conn: Connection, template_ids: Iterable[str], since: datetime, until: datetime
) -> dict[str, list[tuple[datetime, int, int]]]:
    """Per template, ``(minute, lines, critical)`` for each minute with lines (all services summed),
    oldest first, over the minutes from ``since``'s up to (not including) ``until``. Every template
    asked for is a key, with an empty list when it had no lines."""
    wanted = sorted(set(template_ids))
    found: dict[str, list[tuple[datetime, int, int]]] = {template_id: [] for template_id in wanted}
    if not wanted:
        return found
    query = (
        select(_M.template_id, _M.minute, func.sum(_M.count), func.sum(_M.critical))
        .where(_M.template_id.in_(wanted), *_window(since, until))
        .group_by(_M.template_id, _M.minute)
        .order_by(_M.template_id, _M.minute)
    )
    for template_id, minute, lines, critical in conn.execute(query):
        found[template_id].append((minute, int(lines), int(critical)))
    return found


def top(
    conn: Connection, since: datetime, until: datetime, limit: int, service: str | None = None
) -> list[TemplateCount]:
    """The ``limit`` templates with the most lines over the window (as :func:`series` reads it), most
    first (ties by id), of one service or of all."""
    lines = func.sum(_M.count).label("lines")
    query = select(_M.template_id, lines, func.sum(_M.critical)).where(*_window(since, until))
    if service is not None:
        query = query.where(_M.service == service)
    query = query.group_by(_M.template_id).order_by(lines.desc(), _M.template_id).limit(limit)
    return [
        TemplateCount(template_id, int(n), int(critical)) for template_id, n, critical in conn.execute(query)
    ]


def _window(since: datetime, until: datetime) -> tuple[Any, Any]:
    return (_M.minute >= minute_of(since), _M.minute < until)


def delete_before(conn: Connection, cutoff: datetime, batch: int = DEFAULT_DELETE_BATCH) -> int:
    """Delete the minutes that start before ``cutoff``, ``batch`` rows per statement; how many went.
    Totals are never deleted."""
    key = tuple_(_M.template_id, _M.service, _M.minute)
    deleted = 0
    while True:
        chosen = (
            select(_M.template_id, _M.service, _M.minute)
            .where(_M.minute < cutoff)
            .order_by(_M.minute, _M.template_id, _M.service)
            .limit(batch)
        )
        gone = int(conn.execute(delete(log_template_minutes).where(key.in_(chosen))).rowcount)
        deleted += gone
        if gone < batch:
            return deleted


def templates_known(conn: Connection) -> int:
    """How many templates are stored (aliases of merged templates left out)."""
    query = select(func.count()).select_from(log_templates).where(log_templates.c.merged_into.is_(None))
    return int(conn.execute(query).scalar_one())
