"""Durations in the ``detectors:`` section (``"5m"``, ``"14d"`` or seconds) and shown back in words."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator

from holdoff.mediate.durations import humanize, parse_duration


def _duration(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]
"""A duration in config: ``"90s"``, ``"5m"``, ``"14d"`` or a number of seconds."""


def shown(seconds: float) -> str:
    """``192.0`` -> ``"3m 12s"``."""
    return humanize(timedelta(seconds=max(seconds, 0.0)))
