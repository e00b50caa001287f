"""Durations in the words people read at 3 a.m."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache


@lru_cache(maxsize=4096)
def humanize(delta: timedelta) -> str:
    """``timedelta(seconds=192)`` -> ``"3m 12s"``; at most two units, never negative."""
    total = max(int(delta.total_seconds()), 0)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")]
    first = next((i for i, (value, _) in enumerate(parts) if value), None)
    if first is None:
        return "0s"
    return " ".join(f"{value}{unit}" for value, unit in parts[first : first + 2] if value)


_UNITS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """``"90s"``, ``"5m"``, ``"1h30m"``, ``"2d"``, ``"1w"`` (or a bare number of seconds) -> a timedelta.

    Raises ValueError with the reason for anything else (negative, empty, unknown unit).
    """
    value = text.strip().lower()
    if not value:
        raise ValueError("empty duration: use e.g. 90s, 5m, 1h30m or 2d")
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if seconds < 0:
            raise ValueError(f"{text!r}: a duration cannot be negative")
        try:
            return timedelta(seconds=seconds)
        except OverflowError:
            raise ValueError(f"{text!r} is too long a duration") from None
    total, number = 0.0, ""
    for char in value:
        if char.isdigit() or char == ".":
            number += char
        elif char in _UNITS and number:
            total += float(number) * _UNITS[char]
            number = ""
        else:
            raise ValueError(f"{text!r} is not a duration: use e.g. 90s, 5m, 1h30m or 2d")
    if number:
        raise ValueError(f"{text!r}: the last number has no unit (s, m, h, d or w)")
    try:
        return timedelta(seconds=total)
    except OverflowError:
        raise ValueError(f"{text!r} is too long a duration") from None
