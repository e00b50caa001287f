"""Structured records (JSON objects, logfmt pairs): which keys carry the timestamp, message, level,
service, host and record id, and how the other keys become string attributes.

A dotted key is looked up as it is and along its path in nested objects, so
``{"log": {"level": "error"}}`` (ECS) and ``{"log.level": "error"}`` read the same. The first key of each family that is present wins.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, NamedTuple

from holdoff.edge import clean_text
from holdoff.logs.parse import timestamps
from holdoff.logs.parse.head import (
    MAX_ATTRIBUTES,
    MAX_HOST,
    MAX_ID,
    MAX_KEY,
    MAX_LEVEL,
    MAX_SERVICE,
    MAX_VALUE,
    clean,
    clip,
)

TIMESTAMP_KEYS: Final = ("timestamp", "@timestamp", "time", "ts", "date", "__REALTIME_TIMESTAMP")
MESSAGE_KEYS: Final = ("message", "msg", "log", "MESSAGE", "short_message")
LEVEL_KEYS: Final = (
    "level", "severity", "severity_text", "severityText", "lvl", "loglevel", "levelname", "log.level",
    "PRIORITY",
)  # fmt: skip
SEVERITY_NUMBER_KEYS: Final = ("severity_number", "severityNumber")
SERVICE_KEYS: Final = (
    "service", "service.name", "app", "application", "kubernetes.container_name", "container_name",
    "SYSLOG_IDENTIFIER", "program",
)  # fmt: skip
HOST_KEYS: Final = (
    "host",
    "hostname",
    "host.name",
    "kubernetes.host",
    "kubernetes.pod_node_name",
    "_HOSTNAME",
)
ID_KEYS: Final = ("id", "record_id", "_id", "event.id", "__CURSOR")
# A stack trace sent beside the message (python-json-logger's exc_info, logstash-logback-encoder's
# stack_trace, ECS error.stack_trace, pino's err.stack, GELF's full_message) is joined to the message,
# so the record holds the whole trace as a text record would.
STACK_KEYS: Final = (
    "exc_info", "exception", "stack_trace", "stacktrace", "stack", "error.stack_trace", "error.stack",
    "err.stack", "exception.stacktrace", "full_message",
)  # fmt: skip

_MAX_DEPTH: Final = 8
_MAX_SEEN: Final = 256  # keys looked at in one object for attributes; the rest is not read


def scalar_text(value: Any) -> str | None:
    """A JSON scalar as attribute text (``true``, ``42``, ``1.5``); None for null. Containers: compact
    JSON."""
    if type(value) is str:
        return clean(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else f"{value:.6e}"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return compact_json(value)


def compact_json(value: Any) -> str:
    """``value`` as compact JSON text (what cannot be encoded is written with ``str``)."""
    try:
        return clean_text(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str))
    except (ValueError, TypeError, RecursionError):
        return clean_text(str(value)[:MAX_VALUE])


# Each alias's family and rank (lower is preferred), for one pass over the record's keys. A dotted
# alias is found as a key of its own ("log.level") or one level down ({"log": {"level": ...}}).
_FAMILIES: Final = {
    "timestamp": TIMESTAMP_KEYS,
    "level": LEVEL_KEYS,
    "severity_number": SEVERITY_NUMBER_KEYS,
    "service": SERVICE_KEYS,
    "host": HOST_KEYS,
    "id": ID_KEYS,
    "stack": STACK_KEYS,
}
_ALIASES: Final[dict[str, tuple[str, int]]] = {
    alias: (family, rank) for family, keys in _FAMILIES.items() for rank, alias in enumerate(keys)
}
_NESTED: Final[dict[str, dict[str, tuple[str, int]]]] = {}
for _alias, _place in _ALIASES.items():
    if "." in _alias:
        _outer, _inner = _alias.split(".", 1)
        _NESTED.setdefault(_outer, {})[_inner] = _place


def _is_object(value: Any) -> bool:
    return type(value) is dict or (type(value) is not str and isinstance(value, Mapping))


_MESSAGES: Final = {key: rank for rank, key in enumerate(MESSAGE_KEYS)}


def _candidates(data: Mapping[str, Any]) -> dict[str, list[tuple[int, str, Any]]]:
    """The record's values for each family, as (rank, key, value): scalars only, except that a
    message may be an object or a list (not ECS's ``log`` object)."""
    found: dict[str, list[tuple[int, str, Any]]] = {}
    for key, value in data.items():
        if value is None:
            continue
        rank = _MESSAGES.get(key)
        if rank is not None and (type(value) is str or not (key == "log" and _is_object(value))):
            found.setdefault("message", []).append((rank, key, value))
            continue
        if value == "":
            continue
        if _is_object(value):
            inner = _NESTED.get(key)
            if inner is not None:
                for sub, value2 in value.items():
                    place = inner.get(sub)
                    if (
                        place is None
                        or value2 is None
                        or value2 == ""
                        or type(value2) is list
                        or _is_object(value2)
                    ):
                        continue
                    found.setdefault(place[0], []).append((place[1], f"{key}.{sub}", value2))
            continue
        place = _ALIASES.get(key)
        if place is not None and type(value) is not list:
            found.setdefault(place[0], []).append((place[1], key, value))
    for values in found.values():
        if len(values) > 1:
            values.sort(key=lambda item: item[0])
    return found


class Fields(NamedTuple):
    timestamp: datetime | None
    level: str | None
    severity_number: int | None
    message: str | None
    service: str | None
    host: str | None
    record_id: str | None
    attributes: dict[str, str]


def read(data: Mapping[str, Any]) -> Fields:
    """The fields of one structured record (nested objects are read through their dotted paths);
    the keys not read become :func:`attributes`."""
    used: set[str] = set()
    found = _candidates(data)
    timestamp = None
    for _, key, value in found.get("timestamp", ()):
        if key == "__REALTIME_TIMESTAMP" and type(value) is str and value.isdigit():
            timestamp = timestamps.epoch(int(value), "us")  # journald: microseconds
        else:
            timestamp = timestamps.from_value(value)
        if timestamp is not None:
            used.add(key)
            break
    level = None
    levels = found.get("level")
    if levels is not None:
        _, key, value = levels[0]
        if type(value) is str or (type(value) is int):
            used.add(key)
            level = clip(clean(str(value)).strip(), MAX_LEVEL) or None
    severity_number = None
    numbers = found.get("severity_number")
    if numbers is not None:
        _, key, value = numbers[0]
        if type(value) is int:
            used.add(key)
            if 1 <= value <= 24:
                severity_number = value
    message = None
    messages = found.get("message")
    if messages is not None:
        for _, key, value in messages:
            if type(value) is str:
                message = clean(value)
            elif value or not isinstance(value, list | Mapping):
                message = scalar_text(value)  # a number, or an object sent as the message: compact JSON
            else:
                continue
            used.add(key)
            break
    service = _text(found, "service", MAX_SERVICE, used)
    if service is not None:
        service = service.lstrip("/") or None  # Docker's container_name is "/name"
    host = _text(found, "host", MAX_HOST, used)
    record_id = _text(found, "id", MAX_ID, used)
    stacks = found.get("stack")
    if stacks is not None and type(stacks[0][2]) is str:
        used.add(stacks[0][1])
        stack = clean(stacks[0][2]).rstrip()
        if stack and message is not None and stack not in message:
            message = f"{message.rstrip()}\n{stack}"
        elif stack and message is None:
            message = stack
    return Fields(
        timestamp, level, severity_number, message, service, host, record_id, attributes(data, used)
    )


def _text(
    found: dict[str, list[tuple[int, str, Any]]], family: str, limit: int, used: set[str]
) -> str | None:
    candidates = found.get(family)
    if candidates is None:
        return None
    for _, key, value in candidates:
        text = scalar_text(value)
        if text and not text.isspace():
            used.add(key)
            return clip(text.strip(), limit)
    return None


def attributes(data: Mapping[str, Any], used: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """The keys not ``used``, nested objects flattened with dots (``{"a": {"b": 1}}`` -> ``a.b``), as
    string attributes: at most 64, keys and values clipped, nulls left out; lists, and objects nested
    deeper than eight levels, as compact JSON."""
    out: dict[str, str] = {}
    _attributes(data, "", used, out, 0, [0])
    return out


def _attributes(
    data: Mapping[str, Any],
    prefix: str,
    used: set[str] | frozenset[str],
    out: dict[str, str],
    depth: int,
    seen: list[int],
) -> None:
    for key, value in data.items():
        if len(out) >= MAX_ATTRIBUTES or seen[0] >= _MAX_SEEN:
            return
        seen[0] += 1
        name = f"{prefix}{key}" if prefix else key
        if name in used or value is None:
            continue
        if _is_object(value) and value and depth < _MAX_DEPTH:
            _attributes(value, f"{name}.", used, out, depth + 1, seen)
            continue
        text = scalar_text(value)
        if text is not None:
            out[clip(clean(name), MAX_KEY)] = clip(text, MAX_VALUE)
