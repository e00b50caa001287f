"""What reading one line gives: its message and the fields its header declared.

A :class:`Head` is what a layout parser returns for the first line of a record; the multi-line
assembler (:mod:`holdoff.logs.parse.traces`) joins continuation lines to it and makes the record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, NamedTuple

from holdoff.logs.model import Layout


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
APP: Final = Layout.PLAIN
LOGFMT: Final = Layout.PLAIN
ACCESS: Final = Layout.NGINX_ACCESS

MAX_ATTRIBUTES: Final = 64
MAX_KEY: Final = 128
MAX_VALUE: Final = 1024
MAX_LEVEL: Final = 64
MAX_ID: Final = 200
MAX_HOST: Final = 255
MAX_SERVICE: Final = 200


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "\u2026"
