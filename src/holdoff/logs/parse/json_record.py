"""JSON log records, as ``POST /logs`` receives them (a JSON array or NDJSON), as a JSON line in a
text stream, and as Fluent Bit's ``http`` output and Vector's ``http`` sink send them.

Fluent Bit (``format json`` / ``json_lines``) sends its record time as ``date`` (epoch seconds, a
float), the line as ``log`` (tail/docker/CRI inputs) or ``message``, and the ``kubernetes`` filter's
metadata as a nested object. Vector (``codec json``) sends ``message``, ``timestamp`` (RFC 3339),
``host``, ``source_type``, and whatever the pipeline added (``service``, ``kubernetes.*``).
Both read through the key families of :mod:`holdoff.logs.parse.fields`.

``holdoff tail`` (:mod:`holdoff.logs.ship`) sends NDJSON objects ``{"message": ..., "record_id": ...}``
and a JSON line of the file as the object with ``record_id`` added: an object without a message is
stored as its JSON text less that ``record_id`` key (the id is kept as the record id).

When the message is itself a log line (Fluent Bit tailing a plain file sends
``{"log": "2024-01-15 10:00:00 ERROR [main] c.e.Foo - msg"}``) the line is read with the text
parsers for what the object lacks: its time, level, host; the object's own fields win. A message that
is several lines or a JSON string is kept as sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from holdoff.edge import clean_text
from holdoff.logs.model import Layout, LogRecord
from holdoff.logs.parse import detect, fields
from holdoff.logs.parse.head import MAX_ATTRIBUTES, MAX_SERVICE, clip, new_record


def parse_json_records(
    items: Sequence[Mapping[str, Any]], *, service: str | None, host: str | None, received: datetime
) -> list[LogRecord]:
    """One record per object, in order. An item that is not an object (a bare string in the array)
    is read as a text line; nothing raises, nothing is dropped."""
    fallback = _service(service)
    return [json_record(item, service=fallback, host=host, received=received) for item in items]


def _service(service: str | None) -> str:
    if service is None or not service.strip():
        return "unknown"
    return clip(clean_text(service.strip()), MAX_SERVICE)


def json_record(
    item: Any, *, service: str, host: str | None, received: datetime, raw: str | None = None
) -> LogRecord:
    """One JSON value as a record; ``service``/``host`` are used when the object names none. ``raw``
    is the line the object was read from, kept as the message when the object has no message."""
    if not isinstance(item, Mapping):
        if isinstance(item, str):
            text = clean_text(item.rstrip("\r\n"))
            head = detect.parse_line(text, received)
            return LogRecord(
                timestamp=head.timestamp or received,
                service=service,
                host=head.host or host,
                level=head.level,
                message=head.message,
                attributes=head.attributes or {},
                layout=head.layout,
            )
        return LogRecord(
            timestamp=received,
            service=service,
            host=host,
            message=fields.compact_json(item),
            layout=Layout.JSON,
        )
    read = fields.read(item)
    timestamp, level, record_host, attributes = read.timestamp, read.level, read.host, read.attributes
    message = read.message
    if message is None:  # the object as its message, less the record id Holdoff's senders add
        if raw is None:
            raw = fields.compact_json(
                {k: v for k, v in item.items() if k != "record_id"} if "record_id" in item else item
            )
        message = raw
    else:
        message = message.rstrip("\r\n")
        first_line, newline, _ = message.partition("\n")
        if first_line and first_line[0] != "{" and (not newline or timestamp is None or level is None):
            head = detect.parse_line(first_line, received)
            if head.timestamp is not None or head.level is not None or head.layout is not Layout.PLAIN:
                if not newline:
                    message = head.message
                if level is None and read.severity_number is None:
                    level = head.level
                timestamp = timestamp or head.timestamp
                record_host = record_host or head.host
                if head.attributes:
                    attributes = {**head.attributes, **attributes}
    if len(attributes) > MAX_ATTRIBUTES:
        attributes = dict(list(attributes.items())[:MAX_ATTRIBUTES])
    return new_record(
        timestamp or received,
        read.service or service,
        record_host or host,
        level,
        read.severity_number,
        message,
        attributes,
        read.record_id,
        Layout.JSON,
    )
