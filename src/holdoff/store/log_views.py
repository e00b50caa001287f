"""What the Logs page reads: critical lines, busy templates with their minutes, new templates, one template.

Read-only queries over ``log_lines`` (with their verdicts), ``log_templates``, ``log_template_minutes``
and ``log_marks``. The window is given as ``now`` and a length: the caller's clock, never read here.
A template's series is one count per minute of the window, oldest first, zeros included, so a
sparkline is drawn straight from it (:func:`minutes_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, exists, func, select

from holdoff.store.log_lines import LogLineRow
from holdoff.store.tables import log_lines, log_marks, log_template_minutes, log_templates

_L = log_lines.c
_T = log_templates.c
_N = log_template_minutes.c
_M = log_marks.c

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class CriticalLine:
    """A line judged critical, with its template's text and the template's mark (None: unmarked)."""

    line: LogLineRow
    template: str | None
    mark: bool | None


@dataclass(frozen=True, slots=True)
class TemplateActivity:
    """A template's lines in a window: how many, how many critical, and one count per minute."""

    template_id: str
    template: str
    count: int
    critical: int
    series: tuple[int, ...]
    mark: bool | None


@dataclass(frozen=True, slots=True)
class NewTemplate:
    """A template first seen in the window."""

    template_id: str
    template: str
    count: int
    first_seen: datetime | None
    last_seen: datetime | None
    mark: bool | None


@dataclass(frozen=True, slots=True)
class TemplateDetail:
    """One template: its text, counts, first and last seen, its mark and its most recent lines."""

    template_id: str
    template: str
    count: int
    """Lines ever counted under it."""
    critical: int
    """Lines judged critical, over the per-minute counts still kept."""
    first_seen: datetime | None
    last_seen: datetime | None
    merged_into: str | None
    mark: bool | None
    marked_by: str | None
    marked_at: datetime | None
    lines: tuple[LogLineRow, ...]


def minutes_of(now: datetime, window: timedelta) -> list[datetime]:
    """Pure: the minutes a window ending ``now`` covers, oldest first; the last is ``now``'s minute."""
    last = now.replace(second=0, microsecond=0)
    count = max(1, -(-int(window.total_seconds()) // 60))
    return [last - MINUTE * (count - 1 - i) for i in range(count)]


def _line(row: Any) -> LogLineRow:
    return LogLineRow(
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


def _marks(conn: Connection, template_ids: Sequence[str]) -> dict[str, bool]:
    if not template_ids:
        return {}
    rows = conn.execute(
        select(_M.template_id, _M.critical).where(_M.template_id.in_(sorted(set(template_ids))))
    )
    return {template_id: bool(critical) for template_id, critical in rows}


def _texts(conn: Connection, template_ids: Sequence[str]) -> dict[str, str]:
    if not template_ids:
        return {}
    rows = conn.execute(select(_T.id, _T.template).where(_T.id.in_(sorted(set(template_ids)))))
    return {template_id: text for template_id, text in rows}


def critical_lines(
    conn: Connection, *, after_id: int | None = None, service: str | None = None, limit: int = 50
) -> list[CriticalLine]:
    """Lines judged critical, newest first; only those stored after line ``after_id`` when given (what a
    page polling for new ones asks)."""
    query = select(log_lines).where(_L.critical.is_(True))
    if after_id is not None:
        query = query.where(_L.id > after_id)
    if service is not None:
        query = query.where(_L.service == service)
    lines = [_line(row) for row in conn.execute(query.order_by(_L.id.desc()).limit(limit))]
    ids = [line.template_id for line in lines if line.template_id is not None]
    texts, marks = _texts(conn, ids), _marks(conn, ids)
    return [
        CriticalLine(
            line=line,
            template=texts.get(line.template_id) if line.template_id else None,
            mark=marks.get(line.template_id) if line.template_id else None,
        )
        for line in lines
    ]


def top_templates(
    conn: Connection, *, now: datetime, window: timedelta, service: str | None = None, limit: int = 20
) -> list[TemplateActivity]:
    """The templates with the most lines in the window ending ``now``, most first, with one count per
    minute of the window (:func:`minutes_of`) and how many of their lines were critical."""
    minutes = minutes_of(now, window)
    where = [_N.minute >= minutes[0], _N.minute <= minutes[-1]]
    if service is not None:
        where.append(_N.service == service)
    total = func.sum(_N.count).label("total")
    ranked = conn.execute(
        select(_N.template_id, total, func.sum(_N.critical).label("critical"))
        .where(*where)
        .group_by(_N.template_id)
        .order_by(total.desc(), _N.template_id)
        .limit(limit)
    ).all()
    ids = [row.template_id for row in ranked]
    if not ids:
        return []
    per_minute: dict[str, dict[datetime, int]] = {template_id: {} for template_id in ids}
    for template_id, minute, count in conn.execute(
        select(_N.template_id, _N.minute, func.sum(_N.count))
        .where(*where, _N.template_id.in_(ids))
        .group_by(_N.template_id, _N.minute)
    ):
        per_minute[template_id][minute.replace(second=0, microsecond=0)] = int(count)
    texts, marks = _texts(conn, ids), _marks(conn, ids)
    return [
        TemplateActivity(
            template_id=row.template_id,
            template=texts.get(row.template_id, ""),
            count=int(row.total),
            critical=int(row.critical or 0),
            series=tuple(per_minute[row.template_id].get(minute, 0) for minute in minutes),
            mark=marks.get(row.template_id),
        )
        for row in ranked
    ]


def new_templates(
    conn: Connection, *, now: datetime, window: timedelta, service: str | None = None, limit: int = 50
) -> list[NewTemplate]:
    """Templates first seen in the window ending ``now``, newest first (aliases of merged ones left out);
    with ``service``, only those it wrote in the window."""
    query = select(_T.id, _T.template, _T.count.label("lines"), _T.first_seen, _T.last_seen).where(
        _T.first_seen >= now - window, _T.first_seen <= now, _T.merged_into.is_(None)
    )
    if service is not None:
        query = query.where(
            exists().where(
                _N.template_id == _T.id, _N.service == service, _N.minute >= minutes_of(now, window)[0]
            )
        )
    rows = conn.execute(query.order_by(_T.first_seen.desc(), _T.id).limit(limit)).all()
    marks = _marks(conn, [row.id for row in rows])
    return [
        NewTemplate(
            template_id=row.id,
            template=row.template,
            count=int(row.lines),
            first_seen=row.first_seen,
            last_seen=row.last_seen,
            mark=marks.get(row.id),
        )
        for row in rows
    ]


def template_detail(conn: Connection, template_id: str, *, lines: int = 20) -> TemplateDetail | None:
    """One stored template with its ``lines`` most recent stored lines; None when there is no such one."""
    row = conn.execute(select(log_templates).where(_T.id == template_id)).one_or_none()
    if row is None:
        return None
    critical = conn.execute(select(func.sum(_N.critical)).where(_N.template_id == template_id)).scalar_one()
    mark = conn.execute(
        select(_M.critical, _M.actor, _M.marked_at).where(_M.template_id == template_id)
    ).one_or_none()
    recent = conn.execute(
        select(log_lines)
        .where(_L.template_id == template_id)
        .order_by(_L.timestamp.desc(), _L.id.desc())
        .limit(lines)
    )
    return TemplateDetail(
        template_id=row.id,
        template=row.template,
        count=int(row._mapping["count"]),
        critical=int(critical or 0),
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        merged_into=row.merged_into,
        mark=None if mark is None else bool(mark.critical),
        marked_by=None if mark is None else mark.actor,
        marked_at=None if mark is None else mark.marked_at,
        lines=tuple(_line(line) for line in recent),
    )


def services(conn: Connection, *, now: datetime, window: timedelta) -> list[str]:
    """The services that wrote lines in the window ending ``now`` (for the page's filter), by name."""
    since = minutes_of(now, window)[0]
    counted = select(_N.service).where(_N.minute >= since)
    stored = select(_L.service).where(_L.received_at >= since)
    names = {service for (service,) in conn.execute(counted.union(stored))}
    return sorted(names)
