"""OTLP/HTTP logs: JSON and protobuf requests give the same records; malformed requests say what is wrong."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    InstrumentationScope,
    KeyValue,
    KeyValueList,
)
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord as OtlpLogRecord
from opentelemetry.proto.logs.v1.logs_pb2 import ResourceLogs, ScopeLogs
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from holdoff.logs.model import Layout
from holdoff.logs.otlp import OtlpError, parse_otlp_json, parse_otlp_protobuf

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
RECEIVED = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)
STACK = 'Traceback (most recent call last):\n  File "/app/pay.py", line 12, in authorize\n    raise GatewayError(code)\nGatewayError: 05'


def body() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "otlp-logs.json").read_text(encoding="utf-8"))
    return data


def kv(key: str, **value: Any) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(**value))


def protobuf_request() -> bytes:
    """The request of otlp-logs.json, built with the generated classes."""
    request = ExportLogsServiceRequest(
        resource_logs=[
            ResourceLogs(
                resource=Resource(
                    attributes=[
                        kv("service.name", string_value="checkout"),
                        kv("service.version", string_value="2.7.0"),
                        kv("host.name", string_value="ip-10-0-7-19"),
                        kv("k8s.pod.uid", string_value="5e0c1f4a-77b2-4c9e-a1d0-3f2b6c8d9e01"),
                    ]
                ),
                scope_logs=[
                    ScopeLogs(
                        scope=InstrumentationScope(name="checkout.payments", version="1.0.0"),
                        log_records=[
                            OtlpLogRecord(
                                time_unix_nano=1709546640123456789,
                                observed_time_unix_nano=1709546640200000000,
                                severity_number=17,  # type: ignore[arg-type]
                                severity_text="ERROR",
                                trace_id=bytes.fromhex("5b8efff798038103d269b633813fc60c"),
                                span_id=bytes.fromhex("eee19b7ec3c1b174"),
                                body=AnyValue(string_value="card authorization failed"),
                                attributes=[
                                    kv("order.id", int_value=88123),
                                    kv("retry", bool_value=True),
                                    kv("amount", double_value=129.5),
                                    kv("log.record.uid", string_value="01HR3Q7W8X9Y0Z1A2B3C4D5E6F"),
                                    kv("exception.stacktrace", string_value=STACK),
                                ],
                            ),
                            OtlpLogRecord(
                                observed_time_unix_nano=1709546641000000000,
                                severity_number=9,  # type: ignore[arg-type]
                                body=AnyValue(
                                    kvlist_value=KeyValueList(
                                        values=[
                                            kv("event", string_value="cart.updated"),
                                            kv(
                                                "items",
                                                array_value=ArrayValue(
                                                    values=[
                                                        AnyValue(int_value=3),
                                                        AnyValue(string_value="sku-7"),
                                                    ]
                                                ),
                                            ),
                                            kv("blob", bytes_value=b"hello"),
                                        ]
                                    )
                                ),
                            ),
                        ],
                    )
                ],
            ),
            ResourceLogs(
                resource=Resource(attributes=[kv("host.name", string_value="batch-1")]),
                scope_logs=[
                    ScopeLogs(
                        scope=InstrumentationScope(),
                        log_records=[OtlpLogRecord(body=AnyValue(string_value="no service here"))],
                    )
                ],
            ),
        ]
    )
    data: bytes = request.SerializeToString()
    return data


def test_otlp_json_maps_every_field() -> None:
    first, second, third = parse_otlp_json(body(), received=RECEIVED)
    assert first.layout is Layout.OTLP
    assert first.service == "checkout"
    assert first.host == "ip-10-0-7-19"
    assert first.timestamp == datetime(2024, 3, 4, 10, 4, 0, 123456, tzinfo=UTC)
    assert (first.level, first.severity_number) == ("ERROR", 17)
    assert first.message == f"card authorization failed\n{STACK}"
    assert first.record_id == "01HR3Q7W8X9Y0Z1A2B3C4D5E6F"
    assert first.attributes == {
        "order.id": "88123",
        "retry": "true",
        "amount": "129.5",
        "trace_id": "5b8efff798038103d269b633813fc60c",
        "span_id": "eee19b7ec3c1b174",
        "scope.name": "checkout.payments",
        "scope.version": "1.0.0",
        "resource.service.name": "checkout",
        "resource.service.version": "2.7.0",
        "resource.host.name": "ip-10-0-7-19",
        "resource.k8s.pod.uid": "5e0c1f4a-77b2-4c9e-a1d0-3f2b6c8d9e01",
    }
    assert second.timestamp == datetime(2024, 3, 4, 10, 4, 1, tzinfo=UTC)  # observed time: no time
    assert (second.level, second.severity_number) == (None, 9)
    assert json.loads(second.message) == {"event": "cart.updated", "items": [3, "sku-7"], "blob": "aGVsbG8="}
    assert second.record_id is None
    assert (third.service, third.host, third.timestamp, third.message) == (
        "unknown",
        "batch-1",
        RECEIVED,
        "no service here",
    )
    assert third.severity_number is None


def test_the_same_request_in_protobuf_gives_equal_records() -> None:
    from_json = parse_otlp_json(body(), received=RECEIVED)
    from_protobuf = parse_otlp_protobuf(protobuf_request(), received=RECEIVED)
    assert from_protobuf == from_json


def test_an_empty_request_has_no_records() -> None:
    assert parse_otlp_json({}, received=RECEIVED) == []
    assert parse_otlp_json({"resourceLogs": []}, received=RECEIVED) == []
    assert parse_otlp_protobuf(b"", received=RECEIVED) == []


def test_unknown_keys_are_ignored_and_enum_names_are_read() -> None:
    data = body()
    data["somethingNew"] = 1
    data["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["severityNumber"] = "SEVERITY_NUMBER_FATAL"
    data["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["newField"] = {"x": 1}
    first = parse_otlp_json(data, received=RECEIVED)[0]
    assert first.severity_number == 21


def test_numbers_may_be_numbers_or_strings() -> None:
    data = body()
    record = data["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]
    record["timeUnixNano"] = 1709546640123456789
    record["attributes"][0]["value"] = {"intValue": 88123}
    assert parse_otlp_json(data, received=RECEIVED) == parse_otlp_json(body(), received=RECEIVED)


def _set(path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(body())
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


RECORD = ["resourceLogs", 0, "scopeLogs", 0, "logRecords", 0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "an OTLP logs request is a JSON object"),
        ({"resourceLogs": {}}, "resourceLogs: expected an array, got an object"),
        ({"resourceLogs": ["x"]}, "resourceLogs[0]: expected an object, got the string 'x'"),
        (_set([*RECORD, "timeUnixNano"], "soon"), "resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano: expected an integer"),
        (_set([*RECORD, "timeUnixNano"], str(2**70)), "does not fit in 64 bits"),
        (_set([*RECORD, "traceId"], "W47/95gDgQPSabYzgT/GDA=="), "traceId: 'W47/95gDgQPSabYzgT/GDA==' is not hex"),
        (_set([*RECORD, "spanId"], "abcd"), "spanId: expected 8 bytes (16 hex digits), got 2"),
        (_set([*RECORD, "severityText"], 3), "severityText: expected a string, got the number 3"),
        (_set([*RECORD, "body"], {"stringValue": 5}), "body.stringValue: expected a string"),
        (_set([*RECORD, "body"], {"bytesValue": "%%%"}), "body.bytesValue: '%%%' is not base64"),
        (_set([*RECORD, "body"], {"doubleValue": "lots"}), "body.doubleValue: expected a number"),
        (_set([*RECORD, "attributes"], [{"key": 1, "value": {}}]), "attributes[0].key: expected a string, got the number 1"),
        (_set([*RECORD, "attributes", 0, "value"], {"arrayValue": {"values": 7}}), "attributes[0].value.arrayValue.values: expected an array"),
    ],
)  # fmt: skip
def test_malformed_json_requests_say_what_is_wrong(data: Any, message: str) -> None:
    with pytest.raises(OtlpError) as raised:
        parse_otlp_json(data, received=RECEIVED)
    assert message in str(raised.value)


def test_deeply_nested_values_are_refused() -> None:
    value: dict[str, Any] = {"stringValue": "leaf"}
    for _ in range(40):
        value = {"arrayValue": {"values": [value]}}
    with pytest.raises(OtlpError, match="nested more than 32 levels"):
        parse_otlp_json(_set([*RECORD, "body"], value), received=RECEIVED)


def test_malformed_protobuf_is_an_otlp_error() -> None:
    with pytest.raises(OtlpError, match="not an OTLP ExportLogsServiceRequest in protobuf"):
        parse_otlp_protobuf(b"\x0a\xff\xff\xff\xff\x0f", received=RECEIVED)
    assert issubclass(OtlpError, ValueError)


def test_out_of_range_times_and_severity_numbers() -> None:
    data = _set([*RECORD, "timeUnixNano"], str(2**63))  # year 2262
    data["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["severityNumber"] = 30
    first = parse_otlp_json(data, received=RECEIVED)[0]
    assert first.timestamp == datetime(2024, 3, 4, 10, 4, 0, 200000, tzinfo=UTC)  # the observed time
    assert first.severity_number is None
