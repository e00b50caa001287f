"""Maintenance windows: recurring periods (a cron expression and a duration) when a route's alerts
are stored and shown but not notified.

An escalation that falls inside a window is held back; when the window ends and the alert still
fires, it escalates then. Cron expressions are read in the window's time zone, so "every Sunday at
02:00 Europe/Berlin" follows daylight saving time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim


@dataclass(frozen=True)
class MaintenanceWindow:
    name: str
    cron: str
    duration: timedelta
    timezone: str = "UTC"

    def active_until(self, now: datetime) -> datetime | None:
        """When the window that ``now`` falls in ends (UTC), or None outside every window."""
        known = _SPANS.get(self)
        if known is not None and known[0] <= now < known[2]:
            # Between the last start we computed and the start after it: no cron evaluation needed.
            return known[1] if now < known[1] else None
        local = now.astimezone(ZoneInfo(self.timezone))
        # The latest start at or before ``now``. CronSim counts whole seconds and, going backwards,
        # steps one second before a whole-second instant but only drops the fraction of any other:
        # starting from the next whole second therefore lands on the start at ``now`` itself and never
        # on one later in the same second (which would hide a window still open until that start).
        started = next(CronSim(self.cron, local.replace(microsecond=0) + timedelta(seconds=1), reverse=True))
        following = next(CronSim(self.cron, started + timedelta(seconds=1)))
        ends = started + self.duration
        span = (started.astimezone(UTC), ends.astimezone(UTC), following.astimezone(UTC))
        if len(_SPANS) >= 1024:
            _SPANS.clear()
        _SPANS[self] = span
        return span[1] if span[0] <= now < span[1] else None


_SPANS: dict[MaintenanceWindow, tuple[datetime, datetime, datetime]] = {}
"""Per window: the latest start at or before the last time asked, its end, and the next start."""


def in_maintenance(
    windows: tuple[MaintenanceWindow, ...], now: datetime
) -> tuple[MaintenanceWindow, datetime] | None:
    """The open window that ends last, with its end, if any window is open at ``now``."""
    open_windows = [(w, end) for w in windows if (end := w.active_until(now)) is not None]
    return max(open_windows, key=lambda item: item[1]) if open_windows else None
