"""One line of text: which layout wrote it, and what its header says.

The first character picks the few parsers worth trying (``<`` syslog, a digit a time or an address,
``[`` a bracketed time or level, a letter a month, klog, a level or logfmt), so a line costs one or two
regular expressions. A line that no parser reads is kept whole as a plain message.
JSON object lines are read by the assembler (:mod:`holdoff.logs.parse.traces`) before this.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from holdoff.logs.model import Layout
from holdoff.logs.parse import access, app, klog, logfmt, syslog, timestamps
from holdoff.logs.parse.head import APP, Head

_MONTH_INITIALS: Final = frozenset("JFMASOND")


def parse_line(line: str, received: datetime) -> Head:
    """The head of one line (no line break, already cleaned); never raises for any text."""
    first = line[:1]
    head: Head | None = None
    if first == "<":
        head = syslog.parse(line, received)
    elif first.isdigit():
        head = _digit(line, received)
    elif first == "[":
        head = _bracket(line, received)
    elif first.isalpha() and first.isascii():
        head = _letter(line, first, received)
    if head is None:
        return Head(line, Layout.PLAIN)
    return head


def _digit(line: str, received: datetime) -> Head | None:
    fifth = line[4:5]
    if (fifth == "-" or fifth == "/") and line[:4].isdigit():
        if fifth == "/" and line[19:21] == " [":
            found = access.nginx_error(line)
            if found is not None:
                return found
        return app.iso_led(line, received)
    if line[2:3] == ":":
        found = app.time_led(line, received)
        if found is not None:
            return found
    elif line[2:3] == "-" and line[1:2].isdigit():
        return app.day_month_year(line, received)
    if '] "' in line:
        return access.access(line)
    return None


def _bracket(line: str, received: datetime) -> Head | None:
    if line[1:2].isalpha():
        time = timestamps.CTIME.match(line, 1)
        if time is not None and line[time.end() : time.end() + 1] == "]":
            when = timestamps.ctime_match(time)
            pos = time.end() + 1
            found = access.apache_error(line, pos, when)
            if found is not None:
                return found
            attributes: dict[str, str] = {}
            pos, when, level = app.header(line, pos, when, attributes)
            message = line[pos:].lstrip(" \t")
            return Head(message or line, APP, when, level, None, attributes or None)
    return app.bracketed(line, received)


def _letter(line: str, first: str, received: datetime) -> Head | None:
    found: Head | None = None
    if first in "IWEF" and line[1:5].isdigit():
        found = klog.parse(line, received)
    elif first in _MONTH_INITIALS and line[3:4] == " " and line[:3] in timestamps.MONTHS:
        found = syslog.rfc3164(line, 0, received)
        if found is None:
            found = app.jul_header(line)
    if found is not None:
        return found
    if first.isupper():
        found = app.level_led(line, received)
        if found is not None:
            return found
    space = line.find(" ")
    equals = line.find("=", 0, space if space > 0 else len(line))
    if equals > 0:
        return logfmt.parse(line)
    if '] "' in line:
        return access.access(line)
    return None
