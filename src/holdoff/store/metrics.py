"""Figures over the timeline and the outbox: what ``GET /metrics/summary`` reports.

Which rows count is decided here, in SQL that means the same on SQLite and PostgreSQL; only the
arithmetic on times differs (``julianday`` on SQLite, ``extract(epoch ...)`` on PostgreSQL) and lives in
:func:`_seconds` and :func:`_hour_index`.

Occurrences are read from the timeline (``alert_events``), because the ``alerts`` row only keeps the
current occurrence: an occurrence *opens* with a trigger from nothing or from resolved, *resolves*
when an open state turns ``resolved``, is *transient* when it resolves straight from ``pending``,
*escalates* when it first turns ``escalated``, and is *acknowledged* by an ``acknowledged`` event.

*Alerts in* and *pages out* (the dashboard's card, its chart and ``/metrics/summary``) are read as
rows of :class:`Traffic` by :func:`traffic`; which period or hour a row falls in is counted in one
pure function, :func:`holdoff.service.summary.figures`.
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
    case,
    cast,
    extract,
    func,
    or_,
    select,
)

from holdoff.mediate.model import OPEN_STATES, Action, AlertState, NotificationKind
from holdoff.store.tables import alert_events, alerts, notifications
from holdoff.store.types import UTCDateTime

_OPEN = sorted(state.value for state in OPEN_STATES)
_RESOLVED = AlertState.RESOLVED.value

PAGE_KINDS = (NotificationKind.ESCALATED.value, NotificationKind.REMINDER.value)
"""Messages that page someone: an escalation and each later step of its chain. Resolutions,
acknowledgement mirrors, flapping notices and digests inform; they do not page."""


def _at(value: datetime, name: str) -> ColumnElement[datetime]:
    return bindparam(name, value, type_=UTCDateTime())


def _seconds(
    later: ColumnElement[datetime], earlier: ColumnElement[datetime], dialect: str
) -> ColumnElement[float]:
    if dialect == "postgresql":
        return cast(extract("epoch", later - earlier), Float)
    return (func.julianday(later) - func.julianday(earlier)) * 86_400.0


def _opens() -> ColumnElement[bool]:
    """The event that opens an occurrence: its first trigger, from nothing or from resolved."""
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


def open_state_counts(conn: Connection) -> dict[str, int]:
    """Alerts in each open state (every open state present, zero when none): an index range on
    ``state``, however many alerts have resolved."""
    counts = dict.fromkeys(_OPEN, 0)
    query = select(alerts.c.state, func.count()).where(alerts.c.state.in_(_OPEN)).group_by(alerts.c.state)
    for state, count in conn.execute(query):
        counts[state] = int(count)
    return counts


def state_counts(conn: Connection) -> dict[str, int]:
    """Alerts in each state now (every state present, zero when none)."""
    counts = {state.value: 0 for state in AlertState}
    for state, count in conn.execute(select(alerts.c.state, func.count()).group_by(alerts.c.state)):
        counts[state] = int(count)
    return counts


@dataclass(frozen=True)
class Traffic:
    """Alerts in and pages out in one part of an hour: the rows the card, the chart and the API count."""

    at: datetime
    """Where the part starts: the hour's start, or the period's start when it falls inside the hour.
    No later than the events it stands for, in their hour and on their side of the period's start."""
    alerts_in: int
    """Occurrences that opened (whatever became of them later)."""
    pages_out: int
    """Paging messages first queued, once per message however many channels it went to."""


def _message_key() -> ColumnElement[str]:
    """The outbox dedup key without its channel: one value per message, however many channels got it."""
    n = notifications.c
    return func.substr(n.dedup_key, 1, func.length(n.dedup_key) - func.length(n.channel) - 1)


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


def traffic(conn: Connection, first_hour: datetime, since: datetime, until: datetime) -> list[Traffic]:
    """Alerts in and pages out from ``first_hour`` (on the hour) to ``until`` (included), one row per
    hour that had any and per side of ``since`` (the period's start), oldest first.

    An alert in is an occurrence that opened (see the module docstring): counted when it arrives,
    pending included, however it ends. A page out is an escalation or reminder message queued to the
    outbox, alert and incident messages alike, counted once however many channels it went to and
    whatever its delivery does afterwards (the channels page and each alert's page show deliveries).
    Which period and hour a row counts in is :func:`holdoff.service.summary.figures`'s to say; rows
    are grouped here only so a busy day is a few dozen rows, not one per event.
    """
    if first_hour != first_hour.replace(minute=0, second=0, microsecond=0) or first_hour > since:
        raise ValueError(f"first_hour {first_hour.isoformat()} must be on the hour and not after since")
    dialect = conn.dialect.name
    origin = _at(first_hour, "first_hour")
    split = _at(since, "split")

    def grouped(at: ColumnElement[datetime]) -> tuple[ColumnElement[int], ColumnElement[int]]:
        return _hour_index(at, origin, dialect).label("hour"), case((at >= split, 1), else_=0).label("side")

    e = alert_events.c
    hour, side = grouped(e.at)
    opened = (
        select(hour, side, func.count())
        .where(_between(e.at, first_hour, until), _opens())
        .group_by(hour, side)
    )
    n = notifications.c
    messages = (
        select(func.min(n.created_at).label("first_at"))
        .where(n.kind.in_(PAGE_KINDS), _between(n.created_at, first_hour, until))
        .group_by(_message_key())
        .subquery()
    )
    page_hour, page_side = grouped(messages.c.first_at)
    paged = select(page_hour, page_side, func.count()).group_by(page_hour, page_side)
    counts: dict[tuple[int, int], list[int]] = {}
    for index, after, count in conn.execute(opened):
        counts.setdefault((int(index), int(after)), [0, 0])[0] += int(count)
    for index, after, count in conn.execute(paged):
        counts.setdefault((int(index), int(after)), [0, 0])[1] += int(count)
    rows = []
    for (index, after), (alerts_in, pages_out) in sorted(counts.items()):
        start = first_hour + timedelta(hours=index)
        rows.append(Traffic(max(start, since) if after else start, alerts_in, pages_out))
    return rows


@dataclass(frozen=True)
class Outcomes:
    """How the occurrences of a period ended, and how fast people answered."""

    resolved: int
    transient: int
    mean_ack_seconds: float | None
    """Mean time from an occurrence's escalation to its acknowledgement, over acknowledgements made."""
    mean_open_seconds: float | None
    """Mean time from an occurrence opening to its resolution, over occurrences that resolved."""


def outcomes(conn: Connection, since: datetime, until: datetime) -> Outcomes:
    """Resolutions, transients, MTTA and MTTR of the events from ``since`` to ``until`` (both included)."""
    dialect = conn.dialect.name
    e = alert_events.c
    in_window = _between(e.at, since, until)
    counted = select(func.count().filter(_RESOLVES), func.count().filter(_TRANSIENT)).where(in_window)
    resolved, transient = conn.execute(counted).one()

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
    return Outcomes(
        resolved=int(resolved),
        transient=int(transient),
        mean_ack_seconds=float(mean_ack) if mean_ack is not None else None,
        mean_open_seconds=float(mean_open) if mean_open is not None else None,
    )
