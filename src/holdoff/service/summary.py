"""The summary the dashboard's cards and noise chart show: states now, and what a period brought."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from holdoff.mediate.model import OPEN_STATES
from holdoff.store import metrics
from holdoff.store.db import Database

SERIES_HOURS = 24


@dataclass(frozen=True)
class HourPoint:
    hour: datetime
    """The start of the hour (UTC)."""
    alerts_in: int
    pages_out: int


@dataclass(frozen=True)
class Summary:
    now: datetime
    since: datetime
    states: dict[str, int]
    open: int
    period: metrics.Window
    transient_ratio: float | None
    hourly: list[HourPoint]


def start_of_day(now: datetime) -> datetime:
    """Midnight UTC of ``now``'s day."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def summarize(db: Database, now: datetime, since: datetime | None = None) -> Summary:
    """Counts per state now; occurrences, pages, transients, MTTA and MTTR from ``since`` (default:
    today, UTC) until ``now``; and alerts in vs pages out per hour over the last 24 hours."""
    start = since if since is not None else start_of_day(now)
    this_hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    series_start = this_hour - timedelta(hours=SERIES_HOURS - 1)
    with db.read() as conn:
        states = metrics.state_counts(conn)
        period = metrics.window(conn, start, now)
        received, pages = metrics.hourly(conn, series_start, SERIES_HOURS)
    return Summary(
        now=now,
        since=start,
        states=states,
        open=sum(states[state.value] for state in OPEN_STATES),
        period=period,
        transient_ratio=period.transient / period.resolved if period.resolved else None,
        hourly=[
            HourPoint(series_start + timedelta(hours=i), received[i], pages[i]) for i in range(SERIES_HOURS)
        ],
    )


def state_counts(db: Database) -> dict[str, int]:
    """Alerts per state now, and ``open``: all open states together."""
    with db.read() as conn:
        states = metrics.state_counts(conn)
    return {**states, "open": sum(states[state.value] for state in OPEN_STATES)}
