"""Figures over the timeline and the outbox: what ``GET /metrics/summary`` reports.

Everything is counted in SQL that means the same on SQLite and PostgreSQL; only the arithmetic on
times differs (``julianday`` on SQLite, ``extract(epoch ...)`` on PostgreSQL) and lives in
:func:`_seconds` and :func:`_hour_index`.

Occurrences are read from the timeline (``alert_events``), because the ``alerts`` row only keeps the
current occurrence: an occurrence *opens* with a trigger from nothing or from resolved, *resolves*
when an open state turns ``resolved``, is *transient* when it resolves straight from ``pending``,
*escalates* when it first turns ``escalated``, and is *acknowledged* by an ``acknowledged`` event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Integer,
    and_,
    bindparam,
    cast,
    extract,
    func,
    or_,
    select,
)

from holdoff.mediate.model import OPEN_STATES, Action, AlertState, NotificationKind
from holdoff.store.outbox import Status
from holdoff.store.tables import alert_events, alerts, notifications
from holdoff.store.types import UTCDateTime

_OPEN = sorted(state.value for state in OPEN_STATES)
_RESOLVED = AlertState.RESOLVED.value

PAGE_KINDS = (NotificationKind.ESCALATED.value, NotificationKind.REMINDER.value)
"""Messages that page someone."""
PAGE_STATUSES = (Status.DELIVERED.value, Status.PENDING.value)
"""A page that was delivered or is still being tried counts; one that was given up does not."""


def _at(value: datetime, name: str) -> ColumnElement[datetime]:
    return bindparam(name, value, type_=UTCDateTime())


def _seconds(
    later: ColumnElement[datetime], earlier: ColumnElement[datetime], dialect: str
) -> ColumnElement[float]:
    if dialect == "postgresql":
        return cast(extract("epoch", later - earlier), Float)
    return (func.julianday(later) - func.julianday(earlier)) * 86_400.0


def _hour_index(
    at: ColumnElement[datetime], start: ColumnElement[datetime], dialect: str
) -> ColumnElement[int]:
    """Whole hours from ``start`` to ``at`` (``at`` is never before ``start``)."""
    if dialect == "postgresql":
        return cast(func.floor(extract("epoch", at - start) / 3600), Integer)
    # julianday is a float of days: round the difference to milliseconds so an event on the hour is
    # not counted in the hour before; CAST truncates toward zero, which is floor for values >= 0.
    seconds = func.round((func.julianday(at) - func.julianday(start)) * 86_400.0, 3)
    return cast(seconds / 3600.0, Integer)


def _opens() -> ColumnElement[bool]:
    e = alert_events.c
    return and_(
        e.action == Action.TRIGGERED.value,
        or_(e.state_before.is_(None), e.state_before == _RESOLVED),
        e.state_after != _RESOLVED,
    )


_RESOLVES = and_(alert_events.c.state_after == _RESOLVED, alert_events.c.state_before.in_(_OPEN))
_TRANSIENT = and_(_RESOLVES, alert_events.c.state_before == AlertState.PENDING.value)
_ACKNOWLEDGES = and_(
    alert_events.c.action == Action.ACKNOWLEDGED.value,
    alert_events.c.state_after == AlertState.ACKNOWLEDGED.value,
)


def _between(column: ColumnElement[datetime], since: datetime, until: datetime) -> ColumnElement[bool]:
    return and_(column >= _at(since, "since"), column <= _at(until, "until"))


def state_counts(conn: Connection) -> dict[str, int]:
    """Alerts in each state now (every state present, zero when none)."""
    counts = {state.value: 0 for state in AlertState}
    for state, count in conn.execute(select(alerts.c.state, func.count()).group_by(alerts.c.state)):
        counts[state] = int(count)
    return counts


@dataclass(frozen=True)
class Window:
    """What happened between ``since`` and ``until``."""

    received: int
    """Occurrences that opened."""
    pages: int
    """Paging messages (escalations and reminders) decided, once per message however many channels."""
    resolved: int
    transient: int
    mean_ack_seconds: float | None
    """Mean time from an occurrence's escalation to its acknowledgement, over acknowledgements made."""
    mean_open_seconds: float | None
    """Mean time from an occurrence opening to its resolution, over occurrences that resolved."""


def _message_key() -> ColumnElement[str]:
    """The outbox dedup key without its channel: one value per message, however many channels got it."""
    n = notifications.c
    return func.substr(n.dedup_key, 1, func.length(n.dedup_key) - func.length(n.channel) - 1)


def _pages(since: datetime, until: datetime) -> ColumnElement[bool]:
    n = notifications.c
    return and_(n.kind.in_(PAGE_KINDS), n.status.in_(PAGE_STATUSES), _between(n.created_at, since, until))


def window(conn: Connection, since: datetime, until: datetime) -> Window:
    dialect = conn.dialect.name
    e = alert_events.c
    in_window = _between(e.at, since, until)
    counted = select(
        func.count().filter(_opens()),
        func.count().filter(_RESOLVES),
        func.count().filter(_TRANSIENT),
    ).where(in_window)
    received, resolved, transient = conn.execute(counted).one()
    pages = conn.execute(
        select(func.count(func.distinct(_message_key()))).where(_pages(since, until))
    ).scalar()

    earlier = alert_events.alias("earlier")
    same_occurrence = and_(earlier.c.alert_id == e.alert_id, earlier.c.occurrence == e.occurrence)
    escalated_at = (
        select(func.min(earlier.c.at))
        .where(same_occurrence, earlier.c.state_after == AlertState.ESCALATED.value, earlier.c.at <= e.at)
        .scalar_subquery()
    )
    ack = select(func.avg(_seconds(e.at, escalated_at, dialect))).where(in_window, _ACKNOWLEDGES)
    opened_at = (
        select(func.min(earlier.c.at))
        .where(
            same_occurrence,
            earlier.c.action == Action.TRIGGERED.value,
            or_(earlier.c.state_before.is_(None), earlier.c.state_before == _RESOLVED),
            earlier.c.state_after != _RESOLVED,
            earlier.c.at <= e.at,
        )
        .scalar_subquery()
    )
    open_time = select(func.avg(_seconds(e.at, opened_at, dialect))).where(in_window, _RESOLVES)
    mean_ack = conn.execute(ack).scalar()
    mean_open = conn.execute(open_time).scalar()
    return Window(
        received=int(received),
        pages=int(pages or 0),
        resolved=int(resolved),
        transient=int(transient),
        mean_ack_seconds=float(mean_ack) if mean_ack is not None else None,
        mean_open_seconds=float(mean_open) if mean_open is not None else None,
    )


def hourly(conn: Connection, start: datetime, hours: int) -> tuple[list[int], list[int]]:
    """Occurrences opened and pages decided in each of ``hours`` hours from ``start``."""
    dialect = conn.dialect.name
    until = start + timedelta(hours=hours)
    received = [0] * hours
    pages = [0] * hours
    e = alert_events.c
    hour = _hour_index(e.at, _at(start, "start"), dialect).label("hour")
    opened = select(hour, func.count()).where(_between(e.at, start, until), _opens()).group_by(hour)
    for index, count in conn.execute(opened):
        if 0 <= index < hours:
            received[index] += int(count)
    n = notifications.c
    page_hour = _hour_index(n.created_at, _at(start, "start"), dialect).label("hour")
    paged = (
        select(page_hour, func.count(func.distinct(_message_key())))
        .where(_pages(start, until))
        .group_by(page_hour)
    )
    for index, count in conn.execute(paged):
        if 0 <= index < hours:
            pages[index] += int(count)
    return received, pages
