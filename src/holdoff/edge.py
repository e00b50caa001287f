"""What Holdoff accepts from outside: text it can store and show, numbers it can parse, times it can add to.

One rule for every way in (webhooks, API bodies and query strings, recorded streams, the database's
JSON columns): a character no database or encoder can carry (a lone UTF-16 surrogate such as the
JSON escape ``\\ud800``, or NUL) is **replaced by U+FFFD**, the Unicode replacement character. The
message is kept, because a paging system must not lose an alert over one bad character, and nothing
that cannot be stored gets in. Numbers and times that cannot be handled are refused with a 4xx that
names them: integers longer than Python parses (4,300 digits), ``NaN``/``Infinity``, objects nested
deeper than :data:`MAX_DEPTH`, and times outside :data:`EARLIEST` .. :data:`LATEST`.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any, Final

REPLACEMENT: Final = "\ufffd"
MAX_DEPTH: Final = 64
"""Deepest nesting of objects and arrays a JSON body may have."""

EARLIEST: Final = datetime(1970, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(2200, 1, 1, tzinfo=UTC)
"""Times are accepted in [EARLIEST, LATEST): far enough from the ends of ``datetime`` that adding a
grace window, an escalation delay or a retention period can never overflow."""

_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")
# In JSON text, a lone surrogate or NUL can only arrive as an escape: raw surrogates are not valid
# UTF-8 and raw control characters are not valid JSON. Text without these escapes needs no cleaning.
_BAD_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")


class InputRefused(ValueError):
    """Input Holdoff will not take; the message says what and where, for a 400."""


def clean_text(value: str) -> str:
    """``value`` with lone surrogates and NUL replaced by U+FFFD (the same string when there are none)."""
    if _BAD_CHAR.search(value) is None:
        return value
    return _BAD_CHAR.sub(REPLACEMENT, value)


def has_bad_text(value: str) -> bool:
    return _BAD_CHAR.search(value) is not None


def clean(data: Any, *, depth: int = 0) -> Any:
    """JSON-shaped data with every string (keys too) cleaned; refuses nesting deeper than MAX_DEPTH."""
    if isinstance(data, str):
        return clean_text(data)
    if depth >= MAX_DEPTH and isinstance(data, dict | list):
        raise InputRefused(f"JSON nested more than {MAX_DEPTH} levels deep")
    if isinstance(data, dict):
        return {
            clean_text(k) if isinstance(k, str) else k: clean(v, depth=depth + 1) for k, v in data.items()
        }
    if isinstance(data, list):
        return [clean(item, depth=depth + 1) for item in data]
    return data


def check_depth(data: Any, *, depth: int = 0) -> None:
    """Refuse nesting deeper than MAX_DEPTH (text known to be clean: no copy is made)."""
    if isinstance(data, dict):
        if depth >= MAX_DEPTH:
            raise InputRefused(f"JSON nested more than {MAX_DEPTH} levels deep")
        for item in data.values():
            if isinstance(item, dict | list):
                check_depth(item, depth=depth + 1)
    elif isinstance(data, list):
        if depth >= MAX_DEPTH:
            raise InputRefused(f"JSON nested more than {MAX_DEPTH} levels deep")
        for item in data:
            if isinstance(item, dict | list):
                check_depth(item, depth=depth + 1)


def _refuse_constant(name: str) -> Any:
    raise InputRefused(f"{name} is not a JSON number: send a finite number or a string")


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise InputRefused(f"number {text[:40]}{'...' if len(text) > 40 else ''} is out of range")
    return number


def parse_json(text: str) -> Any:
    """JSON text to Python data under the rule above; :class:`InputRefused` or ``json.JSONDecodeError``.

    The usual body (no escapes to clean, fewer brackets than MAX_DEPTH) costs little more than
    ``json.loads``: the walk runs only when a scan of the text says it could matter."""
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise InputRefused(f"JSON nested more than {MAX_DEPTH} levels deep") from None
    except InputRefused:
        raise
    except ValueError:  # int() of more than 4,300 digits
        raise InputRefused("a number has more than 4,300 digits: send it as a string") from None
    if _BAD_ESCAPE.search(text) is not None:
        return clean(data)
    if text.count("{") + text.count("[") > MAX_DEPTH:
        check_depth(data)
    return data


def dumps(data: Any) -> str:
    """JSON for the database: what would be refused on the way in is cleaned on the way out too."""
    text = json.dumps(data)
    if _BAD_ESCAPE.search(text) is None:
        return text
    return json.dumps(clean(data))


def loads(text: str | bytes) -> Any:
    """JSON from the database, cleaned, so one row written before this rule cannot break a page."""
    data = json.loads(text)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return clean(data) if _BAD_ESCAPE.search(text) is not None else data


def utc_in_range(value: datetime, what: str = "") -> datetime:
    """``value`` in UTC (a time without zone is UTC), or InputRefused naming ``what`` (when given)."""
    try:
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST <= moment < LATEST:
        raise InputRefused(
            f"{what + ': ' if what else ''}{value.isoformat()} is outside the times Holdoff accepts "
            f"({EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}, UTC)"
        )
    return moment
