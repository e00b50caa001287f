"""Times as log writers print them, read as aware UTC datetimes.

A time without a zone is UTC. A time without a year (RFC 3164, klog) takes the year it was received,
or the year before when that would put it more than a day in the future. A time without a date
(logback's default ``HH:mm:ss.SSS``) takes the day it was received. Anything unreadable, or outside
1970 .. 2200, gives ``None``: the caller uses the time the line was received.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from holdoff.edge import EARLIEST, LATEST

MONTHS: Final[dict[str, int]] = {
    name: number
    for number, month in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1
    )
    for name in (month, month.upper(), month.lower())
}

# Zone abbreviations seen after a time (PostgreSQL's %t/%m, some Java layouts), in minutes east of UTC.
# Ambiguous ones (IST, CST in China) are left out: an unknown zone reads as UTC, like no zone.
_ZONES: Final[dict[str, int]] = {
    "UTC": 0,
    "GMT": 0,
    "WET": 0,
    "BST": 60,
    "CET": 60,
    "WEST": 60,
    "CEST": 120,
    "EET": 120,
    "EEST": 180,
    "MSK": 180,
    "EST": -300,
    "EDT": -240,
    "CDT": -300,
    "MST": -420,
    "MDT": -360,
    "PST": -480,
    "PDT": -420,
    "JST": 540,
    "KST": 540,
    "HKT": 480,
    "SGT": 480,
    "AEST": 600,
    "AEDT": 660,
}

ISO: Final = re.compile(
    r"(\d{4})[-/](\d\d)[-/](\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?"
    r"(?:(Z)|\s?([+-])(\d\d):?(\d\d)(?!\d)|\s(" + "|".join(_ZONES) + r")(?![\w]))?"
)
"""An ISO 8601 / RFC 3339 time (also with a space, a comma, slashes in the date, a zone name)."""

_DAY: Final = timedelta(days=1)
_HOUR: Final = timedelta(hours=1)


def micro(frac: str | None) -> int:
    """Microseconds from the digits after a decimal point (any count, truncated to six)."""
    if not frac:
        return 0
    return int((frac + "00000")[:6])


def make(
    year: int, month: int, day: int, hour: int, minute: int, second: int, usec: int = 0, offset: int = 0
) -> datetime | None:
    """A UTC datetime from the parts of a local time ``offset`` minutes east of UTC; None if invalid or
    out of range. A leap second (60) reads as 59."""
    try:
        value = datetime(year, month, day, hour, minute, min(second, 59), usec, tzinfo=UTC)
    except ValueError:
        return None
    if offset:
        value -= timedelta(minutes=offset)
    if value < EARLIEST or value >= LATEST:
        return None
    return value


_CACHE_SIZE: Final = 4096
_UNSEEN: Final = datetime(
    1, 1, 1, tzinfo=UTC
)  # not in the cache (get and clear are atomic; "in" then [] is not)
# Times read before, to the second (a line's fraction is added to the second it falls in): lines
# come many to a second, and reading a time costs more than a line's other fields together.
_iso_cache: dict[str, datetime | None] = {}
_bsd_cache: dict[tuple[int, int, int, int, int, int], datetime | None] = {}


def _remember(cache: dict[Any, datetime | None], key: Any, value: datetime | None) -> None:
    if len(cache) >= _CACHE_SIZE:
        cache.clear()
    cache[key] = value


def iso_match(match: re.Match[str]) -> datetime | None:
    """The time an :data:`ISO` match read."""
    text = match.string
    start, end = match.span()
    frac_start, frac_end = match.span(7)
    if frac_start < 0:
        key = text[start:end]
        usec = 0
    else:
        key = text[start : frac_start - 1] + text[frac_end:end]
        usec = micro(match.group(7))
    found = _iso_cache.get(key, _UNSEEN)
    if found is _UNSEEN:
        found = _iso_second(match)
        _remember(_iso_cache, key, found)
    if found is None or not usec:
        return found
    return found + timedelta(microseconds=usec)


def _iso_second(match: re.Match[str]) -> datetime | None:
    year, month, day, hour, minute, second, _frac, _z, sign, oh, om, zone = match.groups()
    offset = 0
    if sign is not None:
        offset = int(oh) * 60 + int(om)
        if sign == "-":
            offset = -offset
    elif zone is not None:
        offset = _ZONES[zone]
    return make(int(year), int(month), int(day), int(hour), int(minute), int(second), 0, offset)


def iso(text: str) -> datetime | None:
    """A whole string read as an ISO 8601 time (leading/trailing spaces allowed)."""
    text = text.strip()
    match = ISO.match(text)
    if match is None or match.end() != len(text):
        return None
    return iso_match(match)


def without_year(
    month: int, day: int, hour: int, minute: int, second: int, usec: int, received: datetime
) -> datetime | None:
    """A time printed without a year (RFC 3164, klog): the received year, or the one before when that
    would be more than a day after ``received`` (December lines received in January)."""
    year = received.year
    key = (year, month, day, hour, minute, second)
    value = _bsd_cache.get(key, _UNSEEN)
    if value is _UNSEEN:
        value = make(year, month, day, hour, minute, second)
        if value is None and month == 2 and day == 29:
            value = make(year - (year % 4), month, day, hour, minute, second)
        _remember(_bsd_cache, key, value)
    if value is None:
        return None
    if value > received + _DAY:
        value = make(year - 1, month, day, hour, minute, second)
        if value is None:
            return None
    return value + timedelta(microseconds=usec) if usec else value


def without_date(hour: int, minute: int, second: int, usec: int, received: datetime) -> datetime | None:
    """A time of day printed alone: on the received day, or the day before when that would be more
    than an hour after ``received`` (a line written just before midnight)."""
    day = received.astimezone(UTC)
    value = make(day.year, day.month, day.day, hour, minute, second, usec)
    if value is not None and value > received + _HOUR:
        value -= _DAY
    return value


_MICROS_PER: Final = {"s": 1_000_000, "ms": 1000, "us": 1}
_LATEST_MICROS: Final = 7_258_118_400_000_000  # 2200-01-01


def epoch(value: float, unit: str | None = None) -> datetime | None:
    """Seconds since 1970, or milli-, micro- or nanoseconds told apart by size (a second count is
    below 1e11 until the year 5138); None when negative, not finite or out of range."""
    if not value >= 0 or value == _INF:  # also NaN
        return None
    if unit is None:
        if value < 1e11:
            unit = "s"
        elif value < 1e14:
            unit = "ms"
        elif value < 1e17:
            unit = "us"
        else:
            unit = "ns"
    if unit == "ns":
        micros = int(value) // 1000 if isinstance(value, int) else round(value / 1000)
    elif isinstance(value, int):
        micros = value * _MICROS_PER[unit]
    else:
        micros = round(value * _MICROS_PER[unit])
    if micros >= _LATEST_MICROS:
        return None
    return EARLIEST + timedelta(microseconds=micros)


_INF: Final = float("inf")
_NUMBER: Final = re.compile(r"\d{1,20}(?:\.\d{1,9})?")


def from_value(value: object) -> datetime | None:
    """A timestamp field's value: an ISO 8601 string, or epoch seconds/millis/micros/nanos as a number
    or a string of digits. Anything else: None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return epoch(value)
    if isinstance(value, str):
        if _NUMBER.fullmatch(value):
            return epoch(float(value) if "." in value else int(value))
        if len(value) <= 64:
            return iso(value)
    return None


CTIME: Final = re.compile(
    r"(?:[A-Z][a-z]{2} )?([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? (\d{4})"
)
"""``Mon Jan 15 10:00:00.123456 2024`` (Apache error logs, ``dmesg -T``), inside its brackets."""


def ctime_match(match: re.Match[str]) -> datetime | None:
    mon, day, hour, minute, second, frac, year = match.groups()
    month = MONTHS.get(mon)
    if month is None:
        return None
    return make(int(year), month, int(day), int(hour), int(minute), int(second), micro(frac))


CLF: Final = re.compile(
    r"(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))? ([+-])(\d\d)(\d\d)"
)
"""The access log time ``15/Jan/2024:10:00:00 +0000`` (Common Log Format)."""


_clf_cache: dict[str, datetime | None] = {}


def clf(text: str) -> datetime | None:
    found = _clf_cache.get(text, _UNSEEN)
    if found is _UNSEEN:
        found = _clf(text)
        _remember(_clf_cache, text, found)
    return found


def _clf(text: str) -> datetime | None:
    match = CLF.fullmatch(text)
    if match is None:
        return None
    day, mon, year, hour, minute, second, frac, sign, oh, om = match.groups()
    month = MONTHS.get(mon)
    if month is None:
        return None
    offset = int(oh) * 60 + int(om)
    if sign == "-":
        offset = -offset
    return make(int(year), month, int(day), int(hour), int(minute), int(second), micro(frac), offset)


def bsd(
    mon: str, day: str, hour: str, minute: str, second: str, frac: str | None, received: datetime
) -> datetime | None:
    """The RFC 3164 time ``Jan  5 10:00:00`` (no year)."""
    month = MONTHS.get(mon)
    if month is None:
        return None
    return without_year(month, int(day), int(hour), int(minute), int(second), micro(frac), received)
