"""OTLP/HTTP logs (``POST /v1/logs``): an ``ExportLogsServiceRequest`` as protobuf or as OTLP JSON,
read into :class:`LogRecord` values. Pure functions, no I/O.

Both encodings go through one mapping (:func:`_record`): ``service.name`` and ``host.name`` from the
resource (``unknown`` when there is no service name); ``severityText`` kept as the declared level and
``severityNumber`` 1..24 as the severity number (0, unspecified, is none); the time is
``timeUnixNano``, else ``observedTimeUnixNano``, else the receive time; the body as text (a string as
it is; a map or an array as compact JSON; bytes as base64); the record's attributes, then its trace
and span ids (hex), its scope, and the resource attributes prefixed ``resource.``; the record id is
the ``log.record.uid`` attribute. An ``exception.stacktrace`` attribute is joined to the message, so
the record holds the whole trace.

OTLP JSON is the protobuf JSON mapping with OTLP's rules: lowerCamelCase keys, 64-bit integers as
strings or numbers, enums as integers, ``traceId``/``spanId`` as hex, bytes as base64. A request that
is not well formed raises :class:`OtlpError`, whose message says where and what (the API answers 400).
Unknown keys are ignored, as OTLP asks of receivers.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

from google.protobuf.message import DecodeError  # type: ignore[import-untyped]  # no types-protobuf
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import SeverityNumber

from holdoff.edge import clean_text
from holdoff.logs.model import Layout, LogRecord
from holdoff.logs.parse import timestamps
from holdoff.logs.parse.fields import compact_json, scalar_text
from holdoff.logs.parse.head import (
    MAX_ATTRIBUTES,
    MAX_HOST,
    MAX_ID,
    MAX_KEY,
    MAX_LEVEL,
    MAX_SERVICE,
    MAX_VALUE,
    clip,
    new_record,
)

_MAX_DEPTH: Final = 32
_SEVERITY_NAMES: Final[dict[str, int]] = {name: SeverityNumber.Value(name) for name in SeverityNumber.keys()}  # noqa: SIM118
_STACK: Final = "exception.stacktrace"
_RECORD_ID: Final = "log.record.uid"


class OtlpError(ValueError):
    """An OTLP request that is not well formed; the message says where and what."""


# ---------------------------------------------------------------------------------------------- mapping


def _record(
    *,
    time: int,
    observed: int,
    severity_number: int,
    severity_text: str,
    body: Any,
    attributes: Mapping[str, Any],
    trace_id: str,
    span_id: str,
    event_name: str,
    scope: tuple[str, str],
    resource: Mapping[str, Any],
    received: datetime,
) -> LogRecord:
    when = None
    for nanos in (time, observed):
        if nanos > 0:
            when = timestamps.epoch(nanos, "ns")
            if when is not None:
                break
    message = _text(body)
    if not message and event_name:
        message = event_name
    out: dict[str, str] = {}
    record_id = None
    for key, value in attributes.items():
        if key == _RECORD_ID and isinstance(value, str) and value:
            record_id = clip(clean_text(value), MAX_ID)
        elif key == _STACK and isinstance(value, str) and value.strip():
            stack = clean_text(value).rstrip()
            if stack not in message:
                message = f"{message.rstrip()}\n{stack}" if message else stack
        else:
            _put(out, key, value)
    if trace_id.strip("0"):
        _put(out, "trace_id", trace_id)
    if span_id.strip("0"):
        _put(out, "span_id", span_id)
    if event_name:
        _put(out, "event.name", event_name)
    if scope[0]:
        _put(out, "scope.name", scope[0])
    if scope[1]:
        _put(out, "scope.version", scope[1])
    for key, value in resource.items():
        _put(out, f"resource.{key}", value)
    service = resource.get("service.name")
    host = resource.get("host.name")
    return new_record(
        when or received,
        _name(service, MAX_SERVICE) or "unknown",
        _name(host, MAX_HOST),
        clip(clean_text(severity_text).strip(), MAX_LEVEL) or None,
        severity_number if 1 <= severity_number <= 24 else None,
        message,
        out,
        record_id,
        Layout.OTLP,
    )


def _name(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return clip(clean_text(value.strip()), limit)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict | list):
        return compact_json(value)
    return scalar_text(value) or ""


def _put(out: dict[str, str], key: str, value: Any) -> None:
    if len(out) >= MAX_ATTRIBUTES:
        return
    text = _text(value) if value is not None else None
    if text is not None:
        out[clip(clean_text(key), MAX_KEY)] = clip(text, MAX_VALUE)


# --------------------------------------------------------------------------------------------- protobuf


def parse_otlp_protobuf(data: bytes, *, received: datetime) -> list[LogRecord]:
    """An ``ExportLogsServiceRequest`` in protobuf (``Content-Type: application/x-protobuf``)."""
    try:
        request = ExportLogsServiceRequest.FromString(data)
    except (DecodeError, RecursionError) as exc:
        raise OtlpError(f"the body is not an OTLP ExportLogsServiceRequest in protobuf: {exc}") from None
    out: list[LogRecord] = []
    for resource_logs in request.resource_logs:
        resource = _proto_attributes(resource_logs.resource.attributes)
        for scope_logs in resource_logs.scope_logs:
            scope = (scope_logs.scope.name, scope_logs.scope.version)
            for item in scope_logs.log_records:
                out.append(
                    _record(
                        time=item.time_unix_nano,
                        observed=item.observed_time_unix_nano,
                        severity_number=item.severity_number,
                        severity_text=item.severity_text,
                        body=_proto_value(item.body, 0) if item.HasField("body") else None,
                        attributes=_proto_attributes(item.attributes),
                        trace_id=item.trace_id.hex(),
                        span_id=item.span_id.hex(),
                        event_name=item.event_name,
                        scope=scope,
                        resource=resource,
                        received=received,
                    )
                )
    return out


def _proto_attributes(items: Iterable[KeyValue]) -> dict[str, Any]:
    return {item.key: _proto_value(item.value, 0) for item in items}


def _proto_value(value: AnyValue, depth: int) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "int_value":
        return value.int_value
    if kind == "double_value":
        return value.double_value
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    if depth >= _MAX_DEPTH:
        return None
    if kind == "array_value":
        return [_proto_value(item, depth + 1) for item in value.array_value.values]
    if kind == "kvlist_value":
        return {item.key: _proto_value(item.value, depth + 1) for item in value.kvlist_value.values}
    return None  # string_value_strindex: profiles only


# ------------------------------------------------------------------------------------------------- JSON


def parse_otlp_json(body: Mapping[str, Any], *, received: datetime) -> list[LogRecord]:
    """An ``ExportLogsServiceRequest`` in OTLP JSON (``Content-Type: application/json``), decoded."""
    if not isinstance(body, Mapping):
        raise OtlpError("an OTLP logs request is a JSON object with a resourceLogs array")
    out: list[LogRecord] = []
    for r, resource_logs in enumerate(_array(body, "resourceLogs", "")):
        path = f"resourceLogs[{r}]"
        _object(resource_logs, path)
        resource_data = resource_logs.get("resource")
        resource: dict[str, Any] = {}
        if resource_data is not None:
            resource = _json_attributes(_object(resource_data, f"{path}.resource"), f"{path}.resource")
        for s, scope_logs in enumerate(_array(resource_logs, "scopeLogs", path)):
            scope_path = f"{path}.scopeLogs[{s}]"
            _object(scope_logs, scope_path)
            scope_data = scope_logs.get("scope")
            scope = ("", "")
            if scope_data is not None:
                _object(scope_data, f"{scope_path}.scope")
                scope = (
                    _string(scope_data, "name", f"{scope_path}.scope"),
                    _string(scope_data, "version", f"{scope_path}.scope"),
                )
            for i, item in enumerate(_array(scope_logs, "logRecords", scope_path)):
                item_path = f"{scope_path}.logRecords[{i}]"
                _object(item, item_path)
                body_value = item.get("body")
                out.append(
                    _record(
                        time=_integer(item.get("timeUnixNano"), f"{item_path}.timeUnixNano"),
                        observed=_integer(
                            item.get("observedTimeUnixNano"), f"{item_path}.observedTimeUnixNano"
                        ),
                        severity_number=_severity(item.get("severityNumber"), f"{item_path}.severityNumber"),
                        severity_text=_string(item, "severityText", item_path),
                        body=None if body_value is None else _json_value(body_value, f"{item_path}.body", 0),
                        attributes=_json_attributes(item, item_path),
                        trace_id=_hex(item.get("traceId"), 16, f"{item_path}.traceId"),
                        span_id=_hex(item.get("spanId"), 8, f"{item_path}.spanId"),
                        event_name=_string(item, "eventName", item_path),
                        scope=scope,
                        resource=resource,
                        received=received,
                    )
                )
    return out


def _where(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise OtlpError(f"{path}: expected an object, got {_kind(value)}")
    return value


def _array(data: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise OtlpError(f"{_where(path, key)}: expected an array, got {_kind(value)}")
    return value


def _string(data: Mapping[str, Any], key: str, path: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise OtlpError(f"{_where(path, key)}: expected a string, got {_kind(value)}")
    return value


def _integer(value: Any, path: str) -> int:
    """A 64-bit integer field: a number or a string of digits (OTLP JSON writes them as strings)."""
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) <= 40
    ):
        number = int(value)
    else:
        raise OtlpError(f"{path}: expected an integer (a number or a string of digits), got {_kind(value)}")
    if not -(2**63) <= number < 2**64:
        raise OtlpError(f"{path}: {number} does not fit in 64 bits")
    return number


def _severity(value: Any, path: str) -> int:
    if isinstance(value, str) and value in _SEVERITY_NAMES:
        return _SEVERITY_NAMES[value]
    return _integer(value, path)


def _hex(value: Any, size: int, path: str) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise OtlpError(f"{path}: expected a hex string, got {_kind(value)}")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise OtlpError(
            f"{path}: {value[:64]!r} is not hex (OTLP JSON writes ids in hex, not base64)"
        ) from None
    if len(raw) != size:
        raise OtlpError(f"{path}: expected {size} bytes ({size * 2} hex digits), got {len(raw)}")
    return raw.hex()


def _json_attributes(data: Mapping[str, Any], path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n, item in enumerate(_array(data, "attributes", path)):
        item_path = f"{_where(path, 'attributes')}[{n}]"
        _object(item, item_path)
        key = item.get("key")
        if not isinstance(key, str):
            raise OtlpError(f"{item_path}.key: expected a string, got {_kind(key)}")
        value = item.get("value")
        out[key] = None if value is None else _json_value(value, f"{item_path}.value", 0)
    return out


def _json_value(value: Any, path: str, depth: int) -> Any:
    """An AnyValue object (``{"stringValue": "..."}``, ``{"kvlistValue": {"values": [...]}}``, ...)."""
    _object(value, path)
    if depth >= _MAX_DEPTH:
        raise OtlpError(f"{path}: values nested more than {_MAX_DEPTH} levels deep")
    for key, item in value.items():
        if key == "stringValue":
            if not isinstance(item, str):
                raise OtlpError(f"{path}.stringValue: expected a string, got {_kind(item)}")
            return item
        if key == "boolValue":
            if not isinstance(item, bool):
                raise OtlpError(f"{path}.boolValue: expected true or false, got {_kind(item)}")
            return item
        if key == "intValue":
            return _integer(item, f"{path}.intValue")
        if key == "doubleValue":
            return _double(item, f"{path}.doubleValue")
        if key == "bytesValue":
            return _base64(item, f"{path}.bytesValue")
        if key == "arrayValue":
            values = _array(_object(item, f"{path}.arrayValue"), "values", f"{path}.arrayValue")
            return [_json_value(v, f"{path}.arrayValue.values[{n}]", depth + 1) for n, v in enumerate(values)]
        if key == "kvlistValue":
            kv_path = f"{path}.kvlistValue"
            return _json_attributes(
                {"attributes": _array(_object(item, kv_path), "values", kv_path)}, kv_path
            )
    return None  # {} is an empty value; unknown keys are ignored


def _double(value: Any, path: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
        return float(value.replace("Infinity", "inf"))
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    raise OtlpError(f"{path}: expected a number, got {_kind(value)}")


def _base64(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise OtlpError(f"{path}: expected a base64 string, got {_kind(value)}")
    standard = value.replace("-", "+").replace("_", "/")  # the URL-safe alphabet is read too
    try:
        raw = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise OtlpError(f"{path}: {value[:64]!r} is not base64") from None
    return base64.b64encode(raw).decode("ascii")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value!r}"[:80]
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
