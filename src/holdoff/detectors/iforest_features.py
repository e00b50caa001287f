"""The features an Isolation Forest sees for one point, from the point and the points before it.

They are chosen to generalise across series and over time rather than to memorise levels: the value,
its change since the previous point, how far it sits from the recent mean in recent standard
deviations over a short and a long window (and those deviations themselves), and the time of day and
day of week as points on a circle (sin, cos), so 23:59 is next to 00:00; those two only when the
history covers them (:func:`columns_for`). Windows count points, not
seconds, so the same features work for 10-second and 5-minute series.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

SHORT = 10
LONG = 60
NAMES = (
    "value",
    "delta",
    f"z{SHORT}",
    f"z{LONG}",
    f"std{SHORT}",
    f"std{LONG}",
    "hour_sin",
    "hour_cos",
    "dow_sin",
    "dow_cos",
)
_DAY = 86_400.0
_WEEK = 7 * _DAY
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


def _stats(values: Sequence[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / n
    return mean, math.sqrt(var)


def features(t: float, value: float, recent: Sequence[float]) -> list[float]:
    """The row for the point ``(t, value)``; ``recent``: the values before it, oldest first (any length)."""
    delta = value - recent[-1] if recent else 0.0
    row = [value, delta]
    spreads = []
    for window in (SHORT, LONG):
        past = recent[-window:]
        if len(past) >= 2:
            mean, std = _stats(past)
            z = (value - mean) / (std if std > 1e-9 else max(abs(mean) * 1e-3, 1e-9))
            row.append(max(-50.0, min(50.0, z)))
        else:
            std = 0.0
            row.append(0.0)
        spreads.append(std)
    row += spreads
    day = (t % _DAY) / _DAY * 2 * math.pi
    week = ((t / _DAY + _EPOCH_WEEKDAY) % 7) / 7 * 2 * math.pi
    row += [math.sin(day), math.cos(day), math.sin(week), math.cos(week)]
    return row


DAY_COLUMNS = (6, 7)
WEEK_COLUMNS = (8, 9)


def columns_for(span_seconds: float) -> list[int]:
    """The columns a model trained on ``span_seconds`` of history uses: the time of day only from two
    days of history, the day of week only from two weeks (a model that never saw a Tuesday would find
    every Tuesday isolated)."""
    chosen = [0, 1, 2, 3, 4, 5]
    if span_seconds >= 2 * _DAY:
        chosen += DAY_COLUMNS
    if span_seconds >= 2 * _WEEK:
        chosen += WEEK_COLUMNS
    return chosen


def rows(points: Sequence[tuple[float, float]]) -> list[list[float]]:
    """The rows of a series' points (time-ordered), each from the points before it, as scoring sees them."""
    out = []
    values = [v for _, v in points]
    for index, (t, value) in enumerate(points):
        out.append(features(t, value, values[max(0, index - LONG) : index]))
    return out
