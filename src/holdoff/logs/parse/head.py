"""What reading one line gives: its message and the fields its header declared.

A :class:`Head` is what a layout parser returns for the first line of a record; the multi-line
assembler (:mod:`holdoff.logs.parse.traces`) joins continuation lines to it and makes the record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, NamedTuple

from holdoff.edge import clean_text
from holdoff.logs.model import Layout, LogRecord


class Head(NamedTuple):
    message: str
    layout: Layout
    timestamp: datetime | None = None
    level: str | None = None
    host: str | None = None
    attributes: dict[str, str] | None = None
    service: str | None = None
    severity_number: int | None = None
    record_id: str | None = None
    mode: str = ""  # what continuation lines this head expects ("jul": java.util.logging's level line)


# Layouts Layout does not name (yet): a line with a recognised timestamp/level header written by an
# application's logging library (Python logging, log4j/logback, Spring Boot, zap, gunicorn, ...),
# a logfmt line, and an Apache access line (the same Combined Log Format nginx writes).
APP: Final = Layout.APP
LOGFMT: Final = Layout.LOGFMT
ACCESS: Final = Layout.NGINX_ACCESS

MAX_ATTRIBUTES: Final = 64
MAX_KEY: Final = 128
MAX_VALUE: Final = 1024
MAX_LEVEL: Final = 64
MAX_ID: Final = 200
MAX_HOST: Final = 255
MAX_SERVICE: Final = 200


def clean(text: str) -> str:
    """:func:`holdoff.edge.clean_text`, with a shortcut for ASCII text (no surrogate can be in it)."""
    if text.isascii() and "\x00" not in text:
        return text
    return clean_text(text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "\u2026"


_FIELDS: Final = (
    "timestamp", "service", "host", "level", "severity_number", "message", "attributes", "record_id", "layout",
)  # fmt: skip
_FAST: Final = tuple(LogRecord.model_fields) == _FIELDS and not LogRecord.model_config.get("extra")
_new = object.__new__
_set = object.__setattr__
_ALL_SET: Final = frozenset(_FIELDS)


def new_record(
    timestamp: datetime,
    service: str,
    host: str | None,
    level: str | None,
    severity_number: int | None,
    message: str,
    attributes: dict[str, str],
    record_id: str | None,
    layout: Layout,
) -> LogRecord:
    """A :class:`LogRecord` from values the parsers have already made valid (an aware UTC time, a
    service of 1..200 characters, a severity number in 1..24 or None, capped attributes).

    Validating them again cost 4 of the 15 microseconds a line took, on a path meant to carry
    50,000 lines a second, so the record is made the way ``model_construct`` makes one, without
    its per-field lookups. If LogRecord's fields change, this falls back to the validating
    constructor (tests/logs/test_parse_records.py holds the two to the same result)."""
    if not _FAST:
        return LogRecord(
            timestamp=timestamp, service=service, host=host, level=level, severity_number=severity_number,
            message=message, attributes=attributes, record_id=record_id, layout=layout,
        )  # fmt: skip
    record = _new(LogRecord)
    _set(
        record,
        "__dict__",
        {
            "timestamp": timestamp, "service": service, "host": host, "level": level,
            "severity_number": severity_number, "message": message, "attributes": attributes,
            "record_id": record_id, "layout": layout,
        },
    )  # fmt: skip
    _set(record, "__pydantic_fields_set__", set(_ALL_SET))  # its own: model_copy adds to it
    _set(record, "__pydantic_extra__", None)
    _set(record, "__pydantic_private__", None)
    return record
