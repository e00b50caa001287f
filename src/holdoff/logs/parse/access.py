"""Web server logs: access lines in the Common/Combined Log Format (nginx's ``combined``, Apache's
``common``/``combined``/``vhost_combined``), nginx error logs and Apache error logs (2.2 and 2.4).

An access line declares no level (its status is an attribute, never read as a level); the whole
line is the message. An error line's message is what follows its header.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from holdoff.logs.model import Layout
from holdoff.logs.parse import timestamps
from holdoff.logs.parse.head import ACCESS, MAX_VALUE, Head, clip
from holdoff.logs.parse.levels import from_level

_QUOTED: Final = r'"([^"\\]*(?:\\.[^"\\]*)*)"'  # unrolled: no backtracking per character
_CLF: Final = (
    r"([^\s\[]+) (\S+) (\S+) \[([^\]]{20,40})\] "
    + _QUOTED
    + r" (\d{3}|-) (\d+|-)(?: "
    + _QUOTED
    + " "
    + _QUOTED
    + ")?"
)
_ACCESS: Final = re.compile(_CLF)
_ACCESS_VHOST: Final = re.compile(r"([^\s\[]+) " + _CLF)  # Apache's vhost_combined: "%v:%p %h %l %u %t ..."
_REQUEST: Final = re.compile(r"([A-Z]{3,10}) (\S+)(?: (HTTP/[\d.]+))?")

_NGINX_ERROR: Final = re.compile(
    r"(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d) \[(\w+)\] (\d+)#(\d+): (?:\*(\d+) )?"
)
_NGINX_TAIL: Final = re.compile(r', (client|server|request|upstream|host|referrer): ("[^"]*"|[^,]*)')
_NGINX_NAMES: Final = {
    "client": "client.address",
    "server": "server.address",
    "request": "http.request.line",
    "upstream": "upstream",
    "host": "http.request.header.host",
    "referrer": "http.request.header.referer",
}

_APACHE_ERROR: Final = re.compile(
    r" ?\[(?:([\w-]+):)?(\w+)\](?: \[pid (\d+)(?::tid (\d+))?\])?(?: \[client ([^\]]+)\])?(?: \[remote ([^\]]+)\])? ?"
)
_PORT: Final = re.compile(r"(.+):(\d{1,5})")


def access(line: str) -> Head | None:
    """``203.0.113.9 - - [15/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.5.0"``"""
    match = _ACCESS.match(line)
    vhost = None
    if match is None:
        match = _ACCESS_VHOST.match(line)
        if match is None:
            return None
        vhost = match.group(1)
    client, _ident, user, time, request, status, size, referer, agent = match.groups()[-9:]
    attributes = {"client.address": client}
    if vhost:
        attributes["server.address"] = vhost
    if user != "-":
        attributes["user.name"] = user
    parts = _REQUEST.fullmatch(request)
    if parts is None:
        attributes["http.request.line"] = clip(request, MAX_VALUE)
    else:
        attributes["http.request.method"] = parts.group(1)
        attributes["url.original"] = clip(parts.group(2), MAX_VALUE)
        if parts.group(3):
            attributes["network.protocol"] = parts.group(3)
    if status != "-":
        attributes["http.response.status_code"] = status
    if size != "-":
        attributes["http.response.body.size"] = size
    if referer and referer != "-":
        attributes["http.request.header.referer"] = clip(referer, MAX_VALUE)
    if agent and agent != "-":
        attributes["user_agent.original"] = clip(agent, MAX_VALUE)
    return Head(line, ACCESS, timestamps.clf(time), None, None, attributes)


def nginx_error(line: str) -> Head | None:
    """``2024/01/15 10:00:00 [error] 1234#1234: *5678 open() "/srv/x" failed (2: ...), client: ...``"""
    match = _NGINX_ERROR.match(line)
    if match is None:
        return None
    year, month, day, hour, minute, second, level, pid, tid, connection = match.groups()
    when = timestamps.make(int(year), int(month), int(day), int(hour), int(minute), int(second))
    attributes = {"pid": pid, "tid": tid}
    if connection:
        attributes["connection"] = connection
    message = line[match.end() :]
    if ", " in message:
        for name, value in _NGINX_TAIL.findall(message):
            attributes[_NGINX_NAMES[name]] = clip(value.strip('"'), MAX_VALUE)
    return Head(message or line, Layout.NGINX_ERROR, when, level, None, attributes)


def apache_error(line: str, pos: int, when: datetime | None) -> Head | None:
    """What follows ``[Mon Jan 15 10:00:00.123456 2024]`` in an Apache error line, from ``pos``:
    ``[core:error] [pid 1234:tid 5678] [client 203.0.113.9:52144] AH00037: ...`` (2.4) or
    ``[error] [client 203.0.113.9] File does not exist: ...`` (2.2)."""
    match = _APACHE_ERROR.match(line, pos)
    if match is None or from_level(match.group(2)) is None:
        return None
    module, level, pid, tid, client, remote = match.groups()
    attributes: dict[str, str] = {}
    if module:
        attributes["apache.module"] = module
    if pid:
        attributes["pid"] = pid
    if tid:
        attributes["tid"] = tid
    for name, value in (("client", client), ("remote", remote)):
        if value:
            port = _PORT.fullmatch(value)  # 2.4 writes the client's port, 2.2 does not
            attributes[f"{name}.address"] = port.group(1) if port else value
            if port:
                attributes[f"{name}.port"] = port.group(2)
    message = line[match.end() :]
    return Head(message or line, Layout.APACHE_ERROR, when, level, None, attributes or None)
