"""Structured records (JSON objects, logfmt pairs): which keys carry the timestamp, message, level,
service, host and record id, and how the other keys become string attributes.

Keys are looked up in the object flattened with dots, so ``{"log": {"level": "error"}}`` (ECS) and
``{"log.level": "error"}`` read the same. The first key of each family that is present wins.
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
_MAX_FLAT: Final = 256  # keys looked at in one object; the rest is not read


def scalar_text(value: Any) -> str | None:
    """A JSON scalar as attribute text (``true``, ``42``, ``1.5``); None for null. Containers: compact
    JSON."""
    if isinstance(value, str):
        return clean_text(value)
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


def flatten(data: Mapping[str, Any]) -> dict[str, Any]:
    """Nested objects flattened to dotted keys (``{"a": {"b": 1}}`` -> ``{"a.b": 1}``); lists and
    objects deeper than eight levels stay whole (they become compact JSON text as attributes)."""
    flat: dict[str, Any] = {}
    _flatten(data, "", flat, 0)
    return flat


def _flatten(data: Mapping[str, Any], prefix: str, flat: dict[str, Any], depth: int) -> None:
    for key, value in data.items():
        if len(flat) >= _MAX_FLAT:
            return
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and depth < _MAX_DEPTH:
            _flatten(value, f"{name}.", flat, depth + 1)
        else:
            flat[name] = value


def first(flat: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[str, Any] | None:
    """The first of ``keys`` present with a value that is not null or an empty string."""
    for key in keys:
        value = flat.get(key)
        if value is not None and value != "":
            return key, value
    return None


class Fields(NamedTuple):
    timestamp: datetime | None
    level: str | None
    severity_number: int | None
    message: str | None
    service: str | None
    host: str | None
    record_id: str | None
    attributes: dict[str, str]


def read(data: Mapping[str, Any], flat: Mapping[str, Any]) -> Fields:
    """The fields of one structured record: ``data`` as sent, ``flat`` its :func:`flatten`."""
    used: set[str] = set()
    timestamp = None
    for key in TIMESTAMP_KEYS:
        value = flat.get(key)
        if value is None:
            continue
        if key == "__REALTIME_TIMESTAMP" and isinstance(value, str) and value.isdigit():
            timestamp = timestamps.epoch(int(value), "us")  # journald: microseconds
        else:
            timestamp = timestamps.from_value(value)
        if timestamp is not None:
            used.add(key)
            break
    level = None
    found = first(flat, LEVEL_KEYS)
    if found is not None and isinstance(found[1], str | int) and not isinstance(found[1], bool):
        used.add(found[0])
        level = clip(clean_text(str(found[1])).strip(), MAX_LEVEL) or None
    severity_number = None
    found = first(flat, SEVERITY_NUMBER_KEYS)
    if found is not None and isinstance(found[1], int) and not isinstance(found[1], bool):
        used.add(found[0])
        if 1 <= found[1] <= 24:
            severity_number = found[1]
    message = None
    for key in MESSAGE_KEYS:
        value = data.get(key)
        if isinstance(value, str):
            message = clean_text(value)
        elif isinstance(value, int | float) or (value and key != "log" and isinstance(value, Mapping | list)):
            message = scalar_text(value)  # a number, or an object sent as the message: compact JSON
        else:
            continue  # absent, null, or ECS's "log" object (log.level, log.logger)
        used.add(key)
        used.update(name for name in flat if name.startswith(f"{key}."))
        break
    service = _text(flat, SERVICE_KEYS, MAX_SERVICE, used)
    if service is not None:
        service = service.lstrip("/") or None  # Docker's container_name is "/name"
    host = _text(flat, HOST_KEYS, MAX_HOST, used)
    record_id = _text(flat, ID_KEYS, MAX_ID, used)
    stack = None
    found = first(flat, STACK_KEYS)
    if found is not None and isinstance(found[1], str):
        used.add(found[0])
        stack = clean_text(found[1]).rstrip()
    if stack and message is not None and stack not in message:
        message = f"{message.rstrip()}\n{stack}"
    elif stack and message is None:
        message = stack
    return Fields(
        timestamp, level, severity_number, message, service, host, record_id, attributes(flat, used)
    )


def _text(flat: Mapping[str, Any], keys: tuple[str, ...], limit: int, used: set[str]) -> str | None:
    found = first(flat, keys)
    if found is None or isinstance(found[1], list | dict):
        return None
    text = scalar_text(found[1])
    if not text or not text.strip():
        return None
    used.add(found[0])
    return clip(text.strip(), limit)


def attributes(flat: Mapping[str, Any], used: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """The keys not ``used`` as string attributes, at most 64, keys and values clipped."""
    out: dict[str, str] = {}
    for key, value in flat.items():
        if key in used:
            continue
        text = scalar_text(value)
        if text is None:
            continue
        out[clip(clean_text(key), MAX_KEY)] = clip(text, MAX_VALUE)
        if len(out) >= MAX_ATTRIBUTES:
            break
    return out
