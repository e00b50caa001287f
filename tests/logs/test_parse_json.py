"""JSON records as POST /logs receives them: every key family, Fluent Bit's and Vector's payloads,
messages that are themselves log lines, objects without a message, attributes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from holdoff.logs.model import Layout, LogRecord
from holdoff.logs.parse import parse_json_records, parse_lines

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
RECEIVED = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)
WHEN = datetime(2024, 3, 4, 10, 4, 5, 123000, tzinfo=UTC)


def one(item: Any, service: str | None = None, host: str | None = None) -> LogRecord:
    (record,) = parse_json_records([item], service=service, host=host, received=RECEIVED)
    return record


@pytest.mark.parametrize("key", ["timestamp", "time", "@timestamp", "ts", "date"])
@pytest.mark.parametrize(
    "value",
    [
        "2024-03-04T10:04:05.123Z", "2024-03-04T11:04:05.123+01:00", "2024-03-04 10:04:05,123",
        1709546645.123, 1709546645123, "1709546645123", 1709546645123000, 1709546645123000000,
        "1709546645123000000", "1709546645.123",
    ],
)  # fmt: skip
def test_timestamp_keys_and_forms(key: str, value: Any) -> None:
    assert one({key: value, "message": "x"}).timestamp == WHEN


@pytest.mark.parametrize("value", ["yesterday", -5, True, None, "", {"a": 1}, 10**40, "2024-13-01T00:00:00Z"])
def test_unreadable_timestamps_are_the_receive_time(value: Any) -> None:
    record = one({"time": value, "message": "x"})
    assert record.timestamp == RECEIVED


@pytest.mark.parametrize("key", ["message", "msg", "log", "MESSAGE", "short_message"])
def test_message_keys(key: str) -> None:
    record = one({key: "disk full on /var"})
    assert record.message == "disk full on /var"
    assert record.attributes == {}
    assert record.layout is Layout.JSON


@pytest.mark.parametrize(
    ("data", "level"),
    [
        ({"level": "error"}, "error"), ({"severity": "CRITICAL"}, "CRITICAL"), ({"severity_text": "WARN"}, "WARN"),
        ({"lvl": "dbug"}, "dbug"), ({"loglevel": "notice"}, "notice"), ({"levelname": "ERROR"}, "ERROR"),
        ({"log.level": "warn"}, "warn"), ({"log": {"level": "fatal", "logger": "x"}}, "fatal"),
        ({"level": 50}, "50"), ({"PRIORITY": "3"}, "3"),
    ],
)  # fmt: skip
def test_level_keys_keep_the_level_as_sent(data: dict[str, Any], level: str) -> None:
    record = one({**data, "msg": "m"})
    assert record.level == level
    assert record.message == "m"


def test_severity_number_is_kept() -> None:
    record = one({"msg": "m", "severity_number": 17, "severity_text": "Error"})
    assert (record.severity_number, record.level) == (17, "Error")
    assert one({"msg": "m", "severityNumber": 99}).severity_number is None


@pytest.mark.parametrize(
    ("data", "service"),
    [
        ({"service": "api"}, "api"), ({"service.name": "api"}, "api"), ({"service": {"name": "api"}}, "api"),
        ({"app": "api"}, "api"), ({"application": "api"}, "api"), ({"kubernetes": {"container_name": "api"}}, "api"),
        ({"container_name": "/api"}, "api"), ({"SYSLOG_IDENTIFIER": "api"}, "api"), ({"program": "api"}, "api"),
    ],
)  # fmt: skip
def test_service_keys(data: dict[str, Any], service: str) -> None:
    assert one({**data, "msg": "m"}, service="fallback").service == service


def test_service_falls_back_to_the_argument_then_unknown() -> None:
    assert one({"msg": "m"}, service="payments").service == "payments"
    assert one({"msg": "m"}).service == "unknown"
    assert one({"msg": "m", "service": "  "}, service=" ").service == "unknown"
    assert len(one({"msg": "m", "service": "s" * 500}).service) == 200


@pytest.mark.parametrize(
    "data",
    [{"host": "web-2"}, {"hostname": "web-2"}, {"host": {"name": "web-2"}}, {"host.name": "web-2"},
     {"kubernetes": {"host": "web-2"}}, {"_HOSTNAME": "web-2"}],
)  # fmt: skip
def test_host_keys(data: dict[str, Any]) -> None:
    assert one({**data, "msg": "m"}, host="sender").host == "web-2"
    assert one({"msg": "m"}, host="sender").host == "sender"


@pytest.mark.parametrize("data", [{"id": "r1"}, {"record_id": "r1"}, {"_id": "r1"}, {"event": {"id": "r1"}}])
def test_record_id_keys(data: dict[str, Any]) -> None:
    assert one({**data, "msg": "m"}).record_id == "r1"


def test_other_keys_become_flattened_string_attributes() -> None:
    record = one(
        {
            "msg": "m",
            "user": {"id": 42, "roles": ["admin", "ops"], "active": True, "score": 0.5, "none": None},
            "deep": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": 1}}}}}}}}},
            "big": "x" * 5000,
        }
    )
    assert record.attributes["user.id"] == "42"
    assert record.attributes["user.roles"] == '["admin","ops"]'
    assert record.attributes["user.active"] == "true"
    assert record.attributes["user.score"] == "0.5"
    assert "user.none" not in record.attributes
    assert record.attributes["deep.a.b.c.d.e.f.g.h"] == '{"i":1}'
    assert len(record.attributes["big"]) == 1024


def test_attributes_are_capped() -> None:
    record = one({"msg": "m", **{f"k{n}": n for n in range(500)}})
    assert len(record.attributes) == 64


def test_an_object_without_a_message_is_kept_as_json_text() -> None:
    item = {"event": "deploy", "version": "1.2.3"}
    record = one(item)
    assert json.loads(record.message) == item
    line = '{"event": "deploy",   "version": "1.2.3"}'
    (from_text,) = parse_lines([line], service="a", host=None, received=RECEIVED)
    assert from_text.message == line  # a JSON line is kept as it was written


def test_an_object_as_message_is_compact_json_and_a_multiline_or_json_message_is_kept_as_sent() -> None:
    assert one({"message": {"a": 1}}).message == '{"a":1}'
    assert one({"message": "line one\n  line two"}).message == "line one\n  line two"
    assert one({"message": '{"inner": "2024-01-01 ERROR x"}'}).message == '{"inner": "2024-01-01 ERROR x"}'


def test_a_stack_trace_beside_the_message_is_joined_to_it() -> None:
    trace = 'Traceback (most recent call last):\n  File "a.py", line 1, in <module>\nValueError: bad'
    record = one({"message": "import failed", "exc_info": trace, "levelname": "ERROR"})
    assert record.message == f"import failed\n{trace}"
    assert "exc_info" not in record.attributes
    pino = one(
        {
            "msg": "request failed",
            "err": {"type": "Error", "message": "boom", "stack": "Error: boom\n    at f (/a.js:1:1)"},
        }
    )
    assert pino.message == "request failed\nError: boom\n    at f (/a.js:1:1)"
    assert pino.attributes == {"err.type": "Error", "err.message": "boom"}


def test_an_embedded_log_line_gives_what_the_object_lacks() -> None:
    record = one({"log": "2024-03-04 10:04:06,000 ERROR [main] com.acme.Job - run failed\n"})
    assert record.timestamp == datetime(2024, 3, 4, 10, 4, 6, tzinfo=UTC)
    assert (record.level, record.message) == ("ERROR", "run failed")
    assert record.attributes == {"thread": "main", "logger": "com.acme.Job"}
    assert record.layout is Layout.JSON


def test_the_objects_own_fields_win_over_the_embedded_line() -> None:
    record = one(
        {
            "log": "2024-03-04 10:04:06,000 ERROR [main] com.acme.Job - run failed",
            "level": "warn",
            "ts": 1709546645.123,
            "thread": "t2",
        }
    )
    assert (record.timestamp, record.level, record.message) == (WHEN, "warn", "run failed")
    assert record.attributes == {"thread": "t2", "logger": "com.acme.Job"}


def test_a_multiline_message_is_kept_but_its_first_line_fills_missing_fields() -> None:
    message = "2024-03-04 10:04:06,000 ERROR [main] com.acme.Job - run failed\njava.lang.IllegalStateException: x\n\tat a.B(B.java:1)"
    record = one({"message": message})
    assert (record.message, record.level) == (message, "ERROR")
    assert record.timestamp == datetime(2024, 3, 4, 10, 4, 6, tzinfo=UTC)


def test_fluent_bit_http_output_with_kubernetes_metadata() -> None:
    items = json.loads((FIXTURES / "fluent-bit-kubernetes.json").read_text(encoding="utf-8"))
    java, zap = parse_json_records(items, service=None, host=None, received=RECEIVED)
    assert java.service == "ledger"
    assert java.host == "ip-10-0-3-41.eu-west-1.compute.internal"
    assert java.timestamp == datetime(2024, 3, 4, 10, 1, 1, 512877, tzinfo=UTC)
    assert (java.level, java.message) == ("ERROR", "Posting batch 5521 failed: deadlock detected")
    assert java.attributes["kubernetes.namespace_name"] == "payments"
    assert java.attributes["kubernetes.labels.app"] == "ledger"
    assert java.attributes["stream"] == "stderr"
    assert java.attributes["date"] == "1709546461.512877"  # the record time ("time" was read first)
    assert java.attributes["logger"] == "com.acme.ledger.PostingJob"
    assert zap.service == "reconciler"
    assert zap.message == items[1]["log"]  # a JSON string as the message is kept as sent
    assert zap.level is None


def test_fluent_bit_json_lines_tailing_plain_files() -> None:
    lines = (FIXTURES / "fluent-bit-tail.ndjson").read_text(encoding="utf-8").splitlines()
    sshd, plain, postgres = parse_json_records(
        [json.loads(line) for line in lines], service="files", host="node-1", received=RECEIVED
    )
    assert sshd.timestamp == datetime(2024, 3, 4, 10, 2, 0, 413000, tzinfo=UTC)
    assert (sshd.host, sshd.service) == ("bastion-1", "files")
    assert sshd.message == "Failed password for root from 198.51.100.200 port 40112 ssh2"
    assert sshd.attributes == {"program": "sshd", "pid": "29011"}
    assert (plain.message, plain.host, plain.level) == ("plain line without any header", "node-1", None)
    assert postgres.level == "warning"  # the object's own level wins over FATAL in the line
    assert postgres.message == 'password authentication failed for user "reporting"'
    assert postgres.timestamp == datetime(2024, 3, 4, 10, 2, 2, 250000, tzinfo=UTC)


def test_vector_http_sink_payload() -> None:
    items = json.loads((FIXTURES / "vector-kubernetes.json").read_text(encoding="utf-8"))
    panic, access = parse_json_records(items, service=None, host=None, received=RECEIVED)
    assert panic.service == "api"
    assert panic.host == "worker-2"
    assert panic.timestamp == datetime(2024, 3, 4, 10, 3, 0, 123456, tzinfo=UTC)
    assert panic.message == items[0]["message"]
    assert panic.attributes["source_type"] == "kubernetes_logs"
    assert panic.attributes["kubernetes.pod_ips"] == '["10.244.1.7"]'
    assert access.service == "nginx"
    assert access.host == "web-2"
    assert access.attributes["http.response.status_code"] == "200"
    assert access.attributes["file"] == "/var/log/nginx/access.log"


def test_journald_export_fields() -> None:
    record = one(
        {"__CURSOR": "s=1;i=2", "__REALTIME_TIMESTAMP": "1709546645123000", "PRIORITY": "2", "_HOSTNAME": "db1",
         "SYSLOG_IDENTIFIER": "kernel", "MESSAGE": "Out of memory: Killed process 991 (postgres)", "_PID": "1"}
    )  # fmt: skip
    assert (record.timestamp, record.level, record.host, record.service) == (WHEN, "2", "db1", "kernel")
    assert record.record_id == "s=1;i=2"
    assert record.attributes == {"_PID": "1"}


def test_items_that_are_not_objects_are_kept() -> None:
    records = parse_json_records(
        ["Mar  4 10:01:03 h sshd[1]: Accepted publickey for deploy", 42, None, ["a"]],  # type: ignore[list-item]
        service="x", host=None, received=RECEIVED,
    )  # fmt: skip
    assert [r.message for r in records] == ["Accepted publickey for deploy", "42", "null", '["a"]']
    assert records[0].layout is Layout.SYSLOG_3164


def test_bad_text_is_cleaned() -> None:
    record = one({"msg": "nul\x00 and \ud800 lone", "k\x00": "v\udfff"})
    assert record.message == "nul\ufffd and \ufffd lone"
    assert record.attributes == {"k\ufffd": "v\ufffd"}


def test_the_record_id_holdoff_tail_adds_is_not_part_of_a_message_less_objects_text() -> None:
    record = one({"event": "deploy", "version": "1.2.3", "record_id": "web-1:42.0badf00d:118"})
    assert json.loads(record.message) == {"event": "deploy", "version": "1.2.3"}
    assert record.record_id == "web-1:42.0badf00d:118"
    assert record.attributes == {"event": "deploy", "version": "1.2.3"}


def test_a_tail_record_is_read_from_its_first_line_and_a_trace_is_kept_whole() -> None:
    single = one(
        {"message": "Mar  4 10:01:03 bastion sshd[7]: Accepted publickey for deploy", "record_id": "h:1.2:0"}
    )
    assert (single.message, single.host, single.record_id) == (
        "Accepted publickey for deploy",
        "bastion",
        "h:1.2:0",
    )
    assert single.attributes == {"program": "sshd", "pid": "7"}
    trace = '2024-03-04 10:04:05,123 ERROR job failed\nTraceback (most recent call last):\n  File "a.py", line 1\nValueError: x'
    record = one({"message": trace, "record_id": "h:1.2:40"}, service="worker")
    assert (record.timestamp, record.level, record.service) == (WHEN, "ERROR", "worker")
    assert record.message == trace  # several lines: kept as sent, header included
