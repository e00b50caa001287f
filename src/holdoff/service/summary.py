"""The summary the dashboard's cards and noise chart show: states now, and what a period brought.

One definition of *alerts in* and *pages out* serves the dashboard's first paint, its live card and
chart, and ``GET /metrics/summary``: they all call :func:`summarize`, which reads the rows of
:func:`holdoff.store.metrics.traffic` once and counts them with :func:`figures` (pure). So the hours of
today in the chart always add up to the card.

- **alerts in**: alert occurrences that opened (a first trigger, or a trigger after resolution),
  counted at the moment they arrived, pending ones included, whatever became of them later;
- **pages out**: escalation and reminder messages queued to the outbox (alert and incident messages
  alike), counted when queued, once per message however many channels it went to, whatever its
  delivery does afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from holdoff.mediate.model import OPEN_STATES
from holdoff.store import metrics
from holdoff.store.db import Database

SERIES_HOURS = 24
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Counts:
    alerts_in: int
    pages_out: int


@dataclass(frozen=True)
class HourPoint:
    hour: datetime
    """The start of the hour (UTC)."""
    alerts_in: int
    pages_out: int


@dataclass(frozen=True)
class Figures:
    """Alerts in and pages out over a period, and per hour of the series."""

    period: Counts
    hourly: list[HourPoint]


@dataclass(frozen=True)
class Summary:
    now: datetime
    since: datetime
    states: dict[str, int]
    open: int
    period: Counts
    outcomes: metrics.Outcomes
    transient_ratio: float | None
    hourly: list[HourPoint]


def start_of_day(now: datetime) -> datetime:
    """Midnight UTC of ``now``'s day."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def series_start(now: datetime) -> datetime:
    """The first hour of the series: the last :data:`SERIES_HOURS` hours, ending with ``now``'s."""
    return _hour_of(now) - (SERIES_HOURS - 1) * HOUR


def figures(rows: Iterable[metrics.Traffic], since: datetime, now: datetime) -> Figures:
    """Count ``rows`` into the period ``since``..``now`` (both included) and into the hours of the
    series (each hour from its start, included, to the next one's).

    Both counts read the same rows with the same rule, so the hours from ``since`` on (when ``since`` is
    on the hour, as midnight is) add up to the period.
    """
    start = series_start(now)
    alerts_in = pages_out = 0
    hours_in = [0] * SERIES_HOURS
    hours_out = [0] * SERIES_HOURS
    for row in rows:
        if row.at > now:
            continue  # not yet part of any period (the store returns none; this keeps the rule whole)
        if row.at >= since:
            alerts_in += row.alerts_in
            pages_out += row.pages_out
        if row.at >= start:
            index = (row.at - start) // HOUR
            hours_in[index] += row.alerts_in
            hours_out[index] += row.pages_out
    return Figures(
        period=Counts(alerts_in, pages_out),
        hourly=[HourPoint(start + i * HOUR, hours_in[i], hours_out[i]) for i in range(SERIES_HOURS)],
    )


def summarize(db: Database, now: datetime, since: datetime | None = None) -> Summary:
    """Counts per state now; alerts in, pages out, transients, MTTA and MTTR from ``since`` (default:
    today, UTC) until ``now``; and alerts in vs pages out per hour over the last 24 hours."""
    start = since if since is not None else start_of_day(now)
    with db.read() as conn:
        states = metrics.state_counts(conn)
        outcomes = metrics.outcomes(conn, start, now)
        rows = metrics.traffic(conn, min(_hour_of(start), series_start(now)), start, now)
    counted = figures(rows, start, now)
    return Summary(
        now=now,
        since=start,
        states=states,
        open=sum(states[state.value] for state in OPEN_STATES),
        period=counted.period,
        outcomes=outcomes,
        transient_ratio=outcomes.transient / outcomes.resolved if outcomes.resolved else None,
        hourly=counted.hourly,
    )
