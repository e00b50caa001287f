"""Figures over the timeline and the outbox: what ``GET /metrics/summary`` reports.

Which rows count is decided here, in SQL that means the same on SQLite and PostgreSQL; only the
arithmetic on times differs (``julianday`` on SQLite, ``extract(epoch ...)`` on PostgreSQL) and lives in
:func:`_seconds`.

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
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    and_,
    bindparam,
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


def state_counts(conn: Connection) -> dict[str, int]:
    """Alerts in each state now (every state present, zero when none)."""
    counts = {state.value: 0 for state in AlertState}
    for state, count in conn.execute(select(alerts.c.state, func.count()).group_by(alerts.c.state)):
        counts[state] = int(count)
    return counts


@dataclass(frozen=True)
class Traffic:
    """What arrived and what paged at one instant: the rows the card, the chart and the API count."""

    at: datetime
    alerts_in: int
    """Occurrences that opened at ``at`` (whatever became of them later)."""
    pages_out: int
    """Paging messages first queued at ``at``, once per message however many channels it went to."""


def _message_key() -> ColumnElement[str]:
    """The outbox dedup key without its channel: one value per message, however many channels got it."""
    n = notifications.c
    return func.substr(n.dedup_key, 1, func.length(n.dedup_key) - func.length(n.channel) - 1)


def traffic(conn: Connection, since: datetime, until: datetime) -> list[Traffic]:
    """Alerts in and pages out from ``since`` to ``until`` (both included), one row per instant that
    had any, oldest first.

    An alert in is an occurrence that opened (see the module docstring): counted when it arrives,
    pending included, however it ends. A page out is an escalation or reminder message queued to the
    outbox, alert and incident messages alike, counted once however many channels it went to and
    whatever its delivery does afterwards (the channels page and each alert's page show deliveries).
    """
    e = alert_events.c
    opened = select(e.at, func.count()).where(_between(e.at, since, until), _opens()).group_by(e.at)
    n = notifications.c
    messages = (
        select(func.min(n.created_at).label("first_at"))
        .where(n.kind.in_(PAGE_KINDS), _between(n.created_at, since, until))
        .group_by(_message_key())
        .subquery()
    )
    paged = select(messages.c.first_at, func.count()).group_by(messages.c.first_at)
    rows: dict[datetime, list[int]] = {}
    for at, count in conn.execute(opened):
        rows.setdefault(at, [0, 0])[0] += int(count)
    for at, count in conn.execute(paged):
        rows.setdefault(at, [0, 0])[1] += int(count)
    return [Traffic(at, alerts_in, pages_out) for at, (alerts_in, pages_out) in sorted(rows.items())]


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
