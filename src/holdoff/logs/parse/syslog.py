"""Syslog lines: RFC 5424, RFC 3164 (BSD) with or without the ``<PRI>``, and the RFC 3339 file format
rsyslog and journald write (``2024-01-15T10:00:00.123+00:00 host prog[pid]: msg``).

The declared level is the priority's severity keyword (``<11>`` is ``err``), unless the message starts
with the program's own level, PostgreSQL-style (``[3-1] FATAL:  ...``, ``ERROR:  ...``): that is what
the program declared, where the priority is often a sender's default (Docker's syslog driver sends
every line at ``daemon.info``). The message is kept whole either way.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from holdoff.logs.model import Layout
from holdoff.logs.parse import timestamps
from holdoff.logs.parse.head import MAX_HOST, Head, clip
from holdoff.logs.parse.levels import SYSLOG_SEVERITY_NAMES, is_header_level

FACILITIES: Final = (
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
    "ftp", "ntp", "security", "console", "solaris-cron",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
)  # fmt: skip

_PRI: Final = re.compile(r"<(\d{1,3})>")
_5424: Final = re.compile(r"([1-9]\d?) (\S+) (\S+) (\S+) (\S+) (\S+)(?: |$)")
_SD_ELEMENT: Final = re.compile(r'\[([^\s\]="]{1,64})((?:\s+[^\s=\]"]{1,64}="[^"\\]*(?:\\.[^"\\]*)*")*)\s*\]')
_SD_PARAM: Final = re.compile(r'([^\s=\]"]+)="([^"\\]*(?:\\.[^"\\]*)*)"')
_SD_UNESCAPE: Final = re.compile(r"\\([\"\\\]])")
_BSD_TIME: Final = re.compile(r"([A-Z][a-z]{2}) ([ \d]?\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? +")
_BSD_USUAL: Final = re.compile(
    r"([A-Z][a-z]{2}) ([ \d]?\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? +"
    r"(?:([^\s:\[\]]{1,255}) +)?([^\s:\[\]]{1,64})(?:\[([^\]\s]{0,32})\])?: ?"
)
_TAG: Final = re.compile(r"([^\s:\[\]]{1,64})(?:\[([^\]\s]{0,32})\])?: ?")
_HOST: Final = re.compile(r"([^\s:\[\]]{1,255}) +")
_EMBEDDED_LEVEL: Final = re.compile(r"(?:\[\d+-\d+\] +)?([A-Z]{3,9}):\s")
_BOM: Final = "\ufeff"


def _priority(pri: int, attributes: dict[str, str]) -> str | None:
    if pri > 191:
        return None
    attributes["syslog.facility"] = FACILITIES[pri >> 3]
    return SYSLOG_SEVERITY_NAMES[pri & 7]


def parse(line: str, received: datetime) -> Head | None:
    """A line that starts with ``<PRI>``: RFC 5424 when a version follows, else RFC 3164."""
    match = _PRI.match(line)
    if match is None:
        return None
    attributes: dict[str, str] = {}
    level = _priority(int(match.group(1)), attributes)
    pos = match.end()
    version = _5424.match(line, pos)
    if version is not None:
        return _rfc5424(line, version, level, attributes, received)
    if line[pos : pos + 1].isdigit():
        time = timestamps.ISO.match(line, pos)
        if time is None or line[time.end() : time.end() + 1] != " ":
            return None
        return after_time(line, time.end() + 1, timestamps.iso_match(time), level, attributes)
    return rfc3164(line, pos, received, level, attributes)


def rfc3164(
    line: str,
    pos: int,
    received: datetime,
    level: str | None = None,
    attributes: dict[str, str] | None = None,
) -> Head | None:
    """``Jan 15 10:00:00 host prog[pid]: msg`` from ``pos`` (after the priority, if any)."""
    if attributes is None:
        attributes = {}
    usual = _BSD_USUAL.match(line, pos)
    if usual is not None:  # the usual line in one expression; the others step by step
        mon, day, hour, minute, second, frac, host, program, pid = usual.groups()
        when = timestamps.bsd(mon, day, hour, minute, second, frac, received)
        attributes["program"] = program
        if pid:
            attributes["pid"] = pid
        return _head(
            line, usual.end(), when, level, host if host is None else clip(host, MAX_HOST), attributes
        )
    time = _BSD_TIME.match(line, pos)
    if time is None:
        return None
    mon, day, hour, minute, second, frac = time.groups()
    when = timestamps.bsd(mon, day, hour, minute, second, frac, received)
    return after_time(line, time.end(), when, level, attributes)


def after_time(
    line: str, pos: int, when: datetime | None, level: str | None, attributes: dict[str, str]
) -> Head | None:
    """The rest of a BSD-style line after its time: an optional host name, the tag, the message."""
    host = None
    tag = _TAG.match(line, pos)
    if tag is None:
        found = _HOST.match(line, pos)
        if found is None:
            return None
        host = clip(found.group(1), MAX_HOST)
        pos = found.end()
        tag = _TAG.match(line, pos)
    if tag is not None:
        attributes["program"] = tag.group(1)
        if tag.group(2):
            attributes["pid"] = tag.group(2)
        pos = tag.end()
    return _head(line, pos, when, level, host, attributes)


def _head(
    line: str,
    pos: int,
    when: datetime | None,
    level: str | None,
    host: str | None,
    attributes: dict[str, str],
) -> Head:
    message = line[pos:]
    if message[:1] == "[" or message[:1].isupper():
        embedded = _EMBEDDED_LEVEL.match(message)
        if embedded is not None and is_header_level(embedded.group(1)):
            level = embedded.group(1)
    return Head(message or line, Layout.SYSLOG_3164, when, level, host, attributes or None)


def _rfc5424(
    line: str, header: re.Match[str], level: str | None, attributes: dict[str, str], received: datetime
) -> Head:
    _version, time, hostname, app, procid, msgid = header.groups()
    when = None if time == "-" else timestamps.iso(time)
    host = None if hostname == "-" else clip(hostname, MAX_HOST)
    if app != "-":
        attributes["program"] = app
    if procid != "-":
        attributes["pid"] = procid
    if msgid != "-":
        attributes["syslog.msgid"] = msgid
    pos = header.end()
    if line.startswith("- ", pos) or (line.endswith("-") and pos == len(line) - 1):
        pos += 2
    elif line.startswith("[", pos):
        pos = _structured_data(line, pos, attributes)
    message = line[pos:]
    if message.startswith(_BOM):
        message = message[1:]
    return Head(message or line, Layout.SYSLOG_5424, when, level, host, attributes or None)


def _structured_data(line: str, pos: int, attributes: dict[str, str]) -> int:
    """Read ``[id param="value" ...]...`` into ``sd.<id>.<param>`` attributes; the position after it
    (and after the space before the message). Malformed data is left in the message."""
    start = pos
    found: dict[str, str] = {}
    while True:
        element = _SD_ELEMENT.match(line, pos)
        if element is None:
            break
        sd_id = element.group(1)
        params = _SD_PARAM.findall(element.group(2))
        for name, value in params:
            found[f"sd.{sd_id}.{name}"] = _SD_UNESCAPE.sub(r"\1", value) if "\\" in value else value
        if not params:
            found[f"sd.{sd_id}"] = ""
        pos = element.end()
    if pos == start or (pos < len(line) and line[pos] != " "):
        return start
    attributes.update(found)
    return pos + 1
