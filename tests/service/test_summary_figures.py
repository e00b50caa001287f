"""``figures``: the one count of alerts in and pages out behind the card, the chart and the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from holdoff.service.summary import SERIES_HOURS, Counts, figures, start_of_day
from holdoff.store.metrics import Traffic

NOW = datetime(2026, 1, 14, 3, 20, tzinfo=UTC)
MIDNIGHT = start_of_day(NOW)


def row(at: datetime, alerts_in: int = 1, pages_out: int = 0) -> Traffic:
    return Traffic(at, alerts_in, pages_out)


def test_an_alert_that_arrives_now_counts_in_the_period_and_in_this_hour() -> None:
    counted = figures([row(NOW)], MIDNIGHT, NOW)
    assert counted.period == Counts(1, 0)
    assert counted.hourly[-1].hour == datetime(2026, 1, 14, 3, tzinfo=UTC)
    assert (counted.hourly[-1].alerts_in, counted.hourly[-1].pages_out) == (1, 0)
    assert sum(point.alerts_in for point in counted.hourly) == 1


def test_the_series_is_24_hours_ending_with_this_one() -> None:
    counted = figures([], MIDNIGHT, NOW)
    assert len(counted.hourly) == SERIES_HOURS
    assert counted.hourly[0].hour == datetime(2026, 1, 13, 4, tzinfo=UTC)
    assert all(b.hour - a.hour == timedelta(hours=1) for a, b in pairwise(counted.hourly))


def test_a_row_on_the_hour_belongs_to_the_hour_it_starts() -> None:
    counted = figures([row(datetime(2026, 1, 14, 2, tzinfo=UTC), 0, 1)], MIDNIGHT, NOW)
    assert [(p.hour.hour, p.pages_out) for p in counted.hourly if p.pages_out] == [(2, 1)]


def test_yesterday_is_in_the_chart_but_not_in_todays_card() -> None:
    late = datetime(2026, 1, 13, 23, 30, tzinfo=UTC)
    counted = figures([row(late, 2, 1), row(MIDNIGHT, 1, 0)], MIDNIGHT, NOW)
    assert counted.period == Counts(1, 0)  # midnight itself is today's
    assert sum(p.alerts_in for p in counted.hourly) == 3
    assert sum(p.pages_out for p in counted.hourly) == 1


def test_rows_after_now_are_not_counted_yet() -> None:
    counted = figures([row(NOW + timedelta(microseconds=1))], MIDNIGHT, NOW)
    assert counted.period == Counts(0, 0)
    assert sum(p.alerts_in for p in counted.hourly) == 0


def test_since_narrows_the_period_not_the_series() -> None:
    rows = [row(datetime(2026, 1, 14, 3, 5, tzinfo=UTC)), row(datetime(2026, 1, 14, 3, 10, tzinfo=UTC), 1, 1)]
    counted = figures(rows, datetime(2026, 1, 14, 3, 6, tzinfo=UTC), NOW)
    assert counted.period == Counts(1, 1)
    assert counted.hourly[-1].alerts_in == 2


instants = st.datetimes(
    min_value=datetime(2026, 1, 12), max_value=datetime(2026, 1, 15), timezones=st.just(UTC)
)


@given(
    now=instants,
    rows=st.lists(
        st.builds(row, instants, st.integers(0, 5), st.integers(0, 5)),
        max_size=30,
    ),
)
def test_the_hours_of_today_add_up_to_the_card(now: datetime, rows: list[Traffic]) -> None:
    """Whatever the rows, the chart's hours since midnight and the card say the same."""
    midnight = start_of_day(now)
    counted = figures(rows, midnight, now)
    today = [p for p in counted.hourly if p.hour >= midnight]
    assert counted.period == Counts(sum(p.alerts_in for p in today), sum(p.pages_out for p in today))
    expected_in = sum(r.alerts_in for r in rows if midnight <= r.at <= now)
    assert counted.period.alerts_in == expected_in
