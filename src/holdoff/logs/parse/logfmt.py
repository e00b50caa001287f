"""logfmt lines, as Go programs write them (logrus, go-kit, Prometheus, Loki, Grafana, slog's text
handler): ``ts=2024-01-15T10:00:00.123Z caller=main.go:42 level=error msg="scrape failed" err="EOF"``.

The pairs are read with the same key families as a JSON record (time/ts, msg, level, ...); the
other keys become attributes. A line that is not wholly ``key=value`` pairs is not logfmt.
"""

from __future__ import annotations

import re
from typing import Final

from holdoff.logs.parse import fields
from holdoff.logs.parse.head import LOGFMT, Head

_PAIR: Final = re.compile(r'[ \t]*([\w.@/-]{1,128})=("[^"\\]*(?:\\.[^"\\]*)*"|[^\s"]*)')
_ESCAPE: Final = re.compile(r"\\(.)")
_ESCAPES: Final = {"n": "\n", "t": "\t", "r": "\r"}


def _unquote(value: str) -> str:
    if not value.startswith('"'):
        return value
    inner = value[1:-1]
    if "\\" not in inner:
        return inner
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), inner)


def parse(line: str) -> Head | None:
    """``line`` read as logfmt, or None when it is not made of two or more ``key=value`` pairs."""
    pairs: dict[str, str] = {}
    pos = 0
    end = len(line.rstrip())
    while pos < end:
        match = _PAIR.match(line, pos)
        if match is None:
            return None
        pairs[match.group(1)] = _unquote(match.group(2))
        pos = match.end()
    if len(pairs) < 2:
        return None
    read = fields.read(pairs)
    return Head(
        read.message or line,
        LOGFMT,
        read.timestamp,
        read.level,
        read.host,
        read.attributes or None,
        read.service,
        read.severity_number,
        read.record_id,
    )
