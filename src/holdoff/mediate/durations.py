"""Durations in the words people read at 3 a.m."""

from __future__ import annotations

from datetime import timedelta


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
