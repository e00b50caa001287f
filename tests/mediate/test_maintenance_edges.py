"""The exact instants a maintenance window opens and ends, asked cold or after an earlier look-up.

``MaintenanceWindow.active_until`` remembers the span it computed last and answers from it while
``now`` stays inside; otherwise it evaluates the cron expression again. Both paths must give the same
answer at every instant, so each case below is asked twice: on a window never asked before (a name
of its own per case, so the memo holds nothing for it) and on one asked just before at another
instant of the same span.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from holdoff.mediate.maintenance import MaintenanceWindow, in_maintenance

TICK = timedelta(microseconds=1)
SUNDAY_2AM = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # a Sunday
_names = itertools.count()


def _fresh(cron: str, duration: timedelta, timezone: str = "UTC") -> MaintenanceWindow:
    """A window equal to no other, so nothing about it is remembered yet."""
    return MaintenanceWindow(f"window-{next(_names)}", cron, duration, timezone)


def cold(window: MaintenanceWindow, now: datetime) -> datetime | None:
    """Ask a window that was never asked before (the cron path)."""
    return _fresh(window.cron, window.duration, window.timezone).active_until(now)


def warm_from(before: datetime) -> Callable[[MaintenanceWindow, datetime], datetime | None]:
    """Ask after an earlier look-up at ``before`` (the remembered path, when ``now`` is in its span)."""

    def ask(window: MaintenanceWindow, now: datetime) -> datetime | None:
        twin = _fresh(window.cron, window.duration, window.timezone)
        twin.active_until(before)
        return twin.active_until(now)

    return ask


SUNDAYS = MaintenanceWindow("patching", "0 2 * * SUN", timedelta(hours=2))
END = SUNDAY_2AM + timedelta(hours=2)
PATHS = {
    "cold": cold,
    "after-a-look-up-at-the-start": warm_from(SUNDAY_2AM),
    "after-a-look-up-inside": warm_from(SUNDAY_2AM + timedelta(minutes=37, microseconds=5)),
    "after-a-look-up-before-the-start": warm_from(SUNDAY_2AM - timedelta(hours=3)),
}


@pytest.mark.parametrize("ask", PATHS.values(), ids=PATHS.keys())
def test_a_window_is_open_until_one_microsecond_before_its_end_and_closed_at_the_end(
    ask: Callable[[MaintenanceWindow, datetime], datetime | None],
) -> None:
    assert ask(SUNDAYS, END - TICK) == END
    assert ask(SUNDAYS, END) is None
    assert ask(SUNDAYS, END + TICK) is None


@pytest.mark.parametrize("ask", PATHS.values(), ids=PATHS.keys())
def test_a_window_opens_at_its_start_instant_and_not_one_microsecond_before(
    ask: Callable[[MaintenanceWindow, datetime], datetime | None],
) -> None:
    assert ask(SUNDAYS, SUNDAY_2AM - TICK) is None
    assert ask(SUNDAYS, SUNDAY_2AM) == END
    assert ask(SUNDAYS, SUNDAY_2AM + TICK) == END


def test_the_remembered_span_answers_like_the_cron_at_every_instant_around_the_edges() -> None:
    # One window asked in time order (each answer may come from the memo), the other cold each time.
    walked = _fresh(SUNDAYS.cron, SUNDAYS.duration)
    instants = sorted(
        edge + offset
        for edge in (SUNDAY_2AM, END, SUNDAY_2AM + timedelta(days=7), END + timedelta(days=7))
        for offset in (-timedelta(seconds=1), -TICK, timedelta(0), TICK, timedelta(seconds=1))
    )
    for now in instants:
        assert walked.active_until(now) == cold(SUNDAYS, now), now


@pytest.mark.parametrize("ask", PATHS.values(), ids=PATHS.keys())
def test_back_to_back_windows_stay_open_through_the_last_second_before_the_next_start(
    ask: Callable[[MaintenanceWindow, datetime], datetime | None],
) -> None:
    # Every hour for an hour: maintenance never closes. In the last second before 03:00 the 02:00
    # window is still open; the 03:00 one has not started yet.
    hourly = MaintenanceWindow("rolling", "0 * * * *", timedelta(hours=1))
    at_three = SUNDAY_2AM + timedelta(hours=1)
    assert ask(hourly, at_three - TICK) == at_three
    assert ask(hourly, at_three - timedelta(milliseconds=500)) == at_three
    assert ask(hourly, at_three) == at_three + timedelta(hours=1)


def test_the_end_instant_in_a_local_time_zone_is_exact_on_both_paths() -> None:
    berlin = MaintenanceWindow("nightly", "0 2 * * *", timedelta(hours=1), "Europe/Berlin")
    ends = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)  # 03:00 CEST
    for ask in (cold, warm_from(ends - timedelta(minutes=59))):
        assert ask(berlin, ends - TICK) == ends
        assert ask(berlin, ends) is None


def test_in_maintenance_names_the_window_until_its_last_microsecond_only() -> None:
    short = _fresh("0 2 * * SUN", timedelta(minutes=30))
    windows = (short, _fresh("0 2 * * SUN", timedelta(hours=2)))
    found = in_maintenance(windows, SUNDAY_2AM + timedelta(minutes=30) - TICK)
    assert found is not None and found[1] == END  # the one that ends last
    assert in_maintenance(windows, END - TICK) == (windows[1], END)
    assert in_maintenance(windows, END) is None
    assert in_maintenance((short,), SUNDAY_2AM + timedelta(minutes=30)) is None
