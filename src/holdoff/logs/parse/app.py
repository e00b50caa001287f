"""Lines written by applications' logging libraries: a time and/or a level, then the message.

The header is read token by token from the start of the line: a time, a level word (upper case, or
any case when bracketed or followed by a tab), ``[thread]`` / ``[pid]`` brackets, separators
(``-``, ``|``, ``:``, ``---``), a dotted logger name before ``-`` or ``:``, a ``file.go:42`` caller.
The first token that is none of these starts the message. This reads, among others:

- Python ``logging``: ``ERROR:root:msg`` (basicConfig), ``2024-01-15 10:00:00,123 - app.db - ERROR - msg``,
  ``2024-01-15 10:00:00,123 [ERROR] app.db: msg``; uvicorn ``INFO:     127.0.0.1:5000 - "GET / ..."``
- log4j/logback: ``2024-01-15 10:00:00,123 ERROR [main] com.example.Foo - msg``,
  ``10:00:00.123 [main] ERROR c.e.Foo - msg``; Spring Boot ``... ERROR 4242 --- [main] c.e.Foo : msg``;
  Tomcat ``15-Jan-2024 10:00:00.123 SEVERE [main] ...``; java.util.logging's two-line records
- PostgreSQL ``2024-01-15 10:00:00.123 UTC [1234] FATAL:  msg``; gunicorn ``[2024-...] [1234] [ERROR] msg``;
  zap ``2024-01-15T10:00:00.123Z<TAB>error<TAB>main.go:42<TAB>msg``; logrus ``ERRO[0003] msg``
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from holdoff.logs.parse import syslog, timestamps
from holdoff.logs.parse.head import APP, Head
from holdoff.logs.parse.levels import UPPER_LEVELS, is_header_level

_TOKEN: Final = re.compile(r"[ \t]*(\[[^\]\n]{0,80}\]|\S+)")
_SEPARATORS: Final = frozenset({"-", "|", ":", "--", "---", "::"})
_SEPARATOR_AFTER: Final = re.compile(r"[ \t]*(?:-|:|\||::)(?=[ \t]|$)")
_LOGGER: Final = re.compile(r"[A-Za-z_$][\w$]*(?:[.:/][\w$<>-]+)*")
_CALLER: Final = re.compile(r"[\w./-]+\.(?:go|py|java|js|ts|rb|rs|c|cc|cpp|kt|scala|php|cs):\d+")
_LOGRUS: Final = re.compile(r"([A-Z]{4})\[(\d{4,})\] ?")
_PYTHON_DEFAULT: Final = re.compile(r"([A-Z]{4,8}):([^\s:]*):")
_TIME_ONLY: Final = re.compile(r"(\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(?=[ \t])")
_TOMCAT: Final = re.compile(r"(\d\d)-([A-Z][a-z]{2})-(\d{4}) (\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(?=[ \t])")
_JUL_HEADER: Final = re.compile(
    r"([A-Z][a-z]{2}) (\d{1,2}), (\d{4}) (\d{1,2}):(\d\d):(\d\d) ([AP]M) (\S+)(?: (\S+))?"
)
_JUL_LEVEL: Final = re.compile(r"(SEVERE|WARNING|INFO|CONFIG|FINE|FINER|FINEST): (.*)", re.DOTALL)
_HOST_TAG: Final = re.compile(r" [^\s:\[\]]{1,255} ([^\s:\[\]]{1,64})(?:\[\d{1,10}\])?: ")
_UPPER_WORD: Final = re.compile(r"[A-Z]{3,13}")
_MAX_TOKENS: Final = 8

JUL_MODE: Final = "jul"


def header(
    line: str, pos: int, when: datetime | None, attributes: dict[str, str]
) -> tuple[int, datetime | None, str | None]:
    """Read the header tokens from ``pos``: where the message starts, the time and the level."""
    level: str | None = None
    logger = False
    for _ in range(_MAX_TOKENS):
        match = _TOKEN.match(line, pos)
        if match is None:
            break
        token = match.group(1)
        end = match.end()
        first = token[0]
        if first == "[":
            inner = token[1:-1].strip()
            if level is None and (inner in UPPER_LEVELS or is_header_level(inner, loose=True)):
                level = inner
            elif when is None and inner[:1].isdigit() and (time := timestamps.ISO.fullmatch(inner)):
                when = timestamps.iso_match(time)
            elif inner.isdigit():
                attributes.setdefault("pid", inner)
            elif "thread" not in attributes:
                attributes["thread"] = inner
            else:
                attributes["context"] = inner
            pos = end
            continue
        if token in _SEPARATORS:
            pos = end
            continue
        bare = token[:-1] if token[-1] == ":" else token
        if level is None and (
            bare in UPPER_LEVELS or (line.startswith("\t", end) and is_header_level(bare, loose=True))
        ):
            level = bare
            pos = end
            if bare is not token:  # "ERROR: msg", "FATAL:  msg": the message follows
                break
            continue
        if first.isdigit():
            if when is None:
                time = timestamps.ISO.match(line, match.start(1))
                if time is not None:
                    when = timestamps.iso_match(time)
                    pos = time.end()
                    continue
            if level is not None and token.isdigit() and line.startswith(" ---", end):
                attributes["pid"] = token  # Spring Boot: LEVEL PID --- [thread] logger : msg
                pos = end
                continue
        if level is not None and ":" in token and "caller" not in attributes and _CALLER.fullmatch(token):
            attributes["caller"] = token
            pos = end
            continue
        if not logger and ("." in bare or level is None) and _LOGGER.fullmatch(bare):
            separator = _SEPARATOR_AFTER.match(line, end)
            if bare is not token or separator is not None:
                attributes["logger"] = bare
                logger = True
                pos = end if separator is None else separator.end()
                if level is not None:
                    break
                continue
        break
    return pos, when, level


def _head(line: str, pos: int, when: datetime | None, level: str | None, attributes: dict[str, str]) -> Head:
    message = line[pos:].lstrip(" \t")
    return Head(message or line, APP, when, level, None, attributes or None)


def iso_led(line: str, received: datetime) -> Head | None:
    """A line that starts with an ISO 8601 time: an application's line, or rsyslog's file format."""
    time = timestamps.ISO.match(line)
    if time is None:
        return None
    when = timestamps.iso_match(time)
    pos = time.end()
    # rsyslog's and journald's file format: an RFC 3339 time (a "T" and a zone), host, tag, message
    tag = _HOST_TAG.match(line, pos) if line[10] == "T" and (time.group(8) or time.group(9)) else None
    if tag is not None and not is_header_level(tag.group(1)):
        first = line[pos + 1 : line.index(" ", pos + 1)]
        if not is_header_level(first):
            return syslog.after_time(line, pos + 1, when, None, {})
    attributes: dict[str, str] = {}
    pos, when, level = header(line, pos, when, attributes)
    return _head(line, pos, when, level, attributes)


def bracketed(line: str, received: datetime) -> Head | None:
    """A line that starts with ``[``: ``[2024-01-15 10:00:00 +0000] [1234] [ERROR] msg`` (gunicorn),
    ``[2024/01/15 10:00:00] [ info] [engine] msg`` (Fluent Bit), ``[ERROR] msg``."""
    attributes: dict[str, str] = {}
    pos, when, level = header(line, 0, None, attributes)
    if when is None and level is None:
        return None
    return _head(line, pos, when, level, attributes)


def level_led(line: str, received: datetime) -> Head | None:
    """A line that starts with its level: ``ERROR:root:msg``, ``WARN  2024-01-15 ... msg``,
    ``INFO:     msg``, logrus ``ERRO[0003] msg``."""
    word = _UPPER_WORD.match(line)
    if word is None or word.group() not in UPPER_LEVELS:
        return None
    python = _PYTHON_DEFAULT.match(line)
    if python is not None and is_header_level(python.group(1)):
        attributes = {"logger": python.group(2)} if python.group(2) else {}
        return _head(line, python.end(), None, python.group(1), attributes)
    logrus = _LOGRUS.match(line)
    if logrus is not None and is_header_level(logrus.group(1)):
        return _head(line, logrus.end(), None, logrus.group(1), {"uptime": logrus.group(2)})
    attributes = {}
    pos, when, level = header(line, 0, None, attributes)
    if level is None:
        return None
    return _head(line, pos, when, level, attributes)


def time_led(line: str, received: datetime) -> Head | None:
    """A line that starts with a time of day alone: logback's default ``10:00:00.123 [main] ERROR ...``."""
    time = _TIME_ONLY.match(line)
    if time is None:
        return None
    hour, minute, second, frac = time.groups()
    if int(hour) > 23 or int(minute) > 59:
        return None
    when = timestamps.without_date(int(hour), int(minute), int(second), timestamps.micro(frac), received)
    attributes: dict[str, str] = {}
    pos, _, level = header(line, time.end(), when, attributes)
    if level is None and not attributes:
        return None
    return _head(line, pos, when, level, attributes)


def day_month_year(line: str, received: datetime) -> Head | None:
    """Tomcat's ``15-Jan-2024 10:00:00.123 SEVERE [main] ...``."""
    time = _TOMCAT.match(line)
    if time is None:
        return None
    day, mon, year, hour, minute, second, frac = time.groups()
    month = timestamps.MONTHS.get(mon)
    if month is None:
        return None
    when = timestamps.make(
        int(year), month, int(day), int(hour), int(minute), int(second), timestamps.micro(frac)
    )
    attributes: dict[str, str] = {}
    pos, when, level = header(line, time.end(), when, attributes)
    return _head(line, pos, when, level, attributes)


def jul_header(line: str) -> Head | None:
    """The first line of a java.util.logging record: ``Jan 15, 2024 10:00:00 AM com.example.Foo run``;
    its level and message are on the next line (:func:`jul_level`)."""
    time = _JUL_HEADER.fullmatch(line)
    if time is None:
        return None
    mon, day, year, hour, minute, second, noon, logger, method = time.groups()
    month = timestamps.MONTHS.get(mon)
    if month is None or not 1 <= int(hour) <= 12:
        return None
    hours = int(hour) % 12 + (12 if noon == "PM" else 0)
    when = timestamps.make(int(year), month, int(day), hours, int(minute), int(second))
    attributes = {"logger": logger}
    if method:
        attributes["method"] = method
    return Head(line, APP, when, None, None, attributes, mode=JUL_MODE)


def jul_level(line: str) -> tuple[str, str] | None:
    """The second line of a java.util.logging record: ``SEVERE: msg`` as (level, message)."""
    match = _JUL_LEVEL.match(line)
    return None if match is None else (match.group(1), match.group(2))
