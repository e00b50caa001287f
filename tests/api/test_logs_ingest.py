"""Log ingest over HTTP (``POST /logs``, ``POST /v1/logs``) and ``GET /logs``, on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord as OtlpRecord
from opentelemetry.proto.logs.v1.logs_pb2 import ResourceLogs, ScopeLogs
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from holdoff.api.app import create_app
from holdoff.api.limits import MAX_BODY_BYTES
from holdoff.auth.access import AccessControl
from holdoff.auth.roles import Role
from holdoff.logs.detect import build_all, default_detectors
from holdoff.logs.model import LogRecord
from holdoff.runtime import Runtime
from holdoff.service.log_ingest import LogIngest
from holdoff.service.log_judge import Judge
from holdoff.settings import Settings
from holdoff.store import log_lines, log_marks, log_templates
from holdoff.store.db import Database

NDJSON = {"Content-Type": "application/x-ndjson"}
TEXT = {"Content-Type": "text/plain"}
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SOURCE_TOKEN = "shared-source-token-1234"


def make_client(database_url: str, model_dir: Path, **extra: Any) -> TestClient:
    settings = Settings(
        database_url=database_url,
        grace_seconds=600,
        public_url="https://holdoff.test",
        logs={"classifier": {"model_dir": str(model_dir)}},
        **extra,
    )
    return TestClient(
        create_app(Runtime(settings, channels={}, run_workers=False)), base_url="http://127.0.0.1"
    )


@pytest.fixture
def client(database_url: str, log_model_dir: Path) -> Iterator[TestClient]:
    with make_client(database_url, log_model_dir) as test_client:
        yield test_client


def items(client: TestClient, **params: str) -> list[dict[str, Any]]:
    response = client.get("/logs", params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


def accepted(response: Any) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_json_array_is_stored_with_its_fields(client: TestClient) -> None:
    records = [
        {
            "timestamp": "2026-03-01T09:00:00Z",
            "service": "api",
            "host": "h1",
            "level": "ERROR",
            "message": "payment 42 failed",
            "order": "7",
        },
        {"timestamp": "2026-03-01T09:00:01Z", "service": "api", "level": "info", "message": "payment 43 ok"},
    ]
    body = accepted(client.post("/logs", json=records))
    assert (body["accepted"], body["templates_new"], body["duplicates"]) == (2, 2, 0)
    newest, oldest = items(client)
    assert (newest["message"], oldest["message"]) == ("payment 43 ok", "payment 42 failed")
    assert (oldest["service"], oldest["host"], oldest["level"]) == ("api", "h1", "ERROR")
    assert oldest["attributes"]["order"] == "7"
    assert oldest["template_id"] and oldest["template_id"] != newest["template_id"]


def test_one_json_object_is_one_record(client: TestClient) -> None:
    assert accepted(client.post("/logs", json={"service": "api", "message": "hello"}))["accepted"] == 1
    assert [i["message"] for i in items(client)] == ["hello"]


def test_ndjson_keeps_a_line_that_is_not_json_as_text(client: TestClient) -> None:
    text = '{"service": "api", "message": "disk 91% full"}\nnot json at all {\n\n{"service": "api", "message": "x"}\n'
    assert accepted(client.post("/logs?service=api", content=text, headers=NDJSON))["accepted"] == 3
    assert sorted(i["message"] for i in items(client)) == ["disk 91% full", "not json at all {", "x"]


def test_text_lines_need_a_service_and_join_a_stack_trace(client: TestClient) -> None:
    missing = client.post("/logs", content="hello\n", headers=TEXT)
    assert missing.status_code == 422
    assert "service" in missing.json()["detail"]
    text = (
        "2026-03-01 09:00:00,000 ERROR boom\nTraceback (most recent call last):\n"
        '  File "a.py", line 1, in <module>\nValueError: x\n2026-03-01 09:00:01,000 INFO fine\n'
    )
    body = accepted(client.post("/logs?service=worker&host=w1", content=text, headers=TEXT))
    assert body["accepted"] == 2
    stored = items(client, service="worker")
    assert {i["host"] for i in stored} == {"w1"}
    assert any("ValueError: x" in i["message"] and "boom" in i["message"] for i in stored)


def test_a_retried_post_with_record_ids_is_stored_once(client: TestClient) -> None:
    records = [{"service": "api", "id": f"r{i}", "message": f"job {i} done"} for i in range(3)]
    first = accepted(client.post("/logs", json=records))
    assert (first["accepted"], first["duplicates"]) == (3, 0)
    again = accepted(
        client.post("/logs", json=[*records, {"service": "api", "id": "r9", "message": "job 9 done"}])
    )
    assert (again["accepted"], again["duplicates"], again["templates_new"]) == (4, 3, 0)
    assert len(items(client)) == 4


@pytest.mark.parametrize(
    ("content_type", "status", "words"),
    [("application/xml", 415, "not supported"), ("", 415, "no Content-Type")],
)
def test_an_unknown_media_type_is_415(client: TestClient, content_type: str, status: int, words: str) -> None:
    response = client.post("/logs", content=b"<a/>", headers={"Content-Type": content_type})
    assert response.status_code == status
    assert words in response.json()["detail"]


@pytest.mark.parametrize("body", ["[1, 2", "42", ""])
def test_bad_json_is_400_saying_what(client: TestClient, body: str) -> None:
    response = client.post("/logs", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_body_over_the_limit_is_413(client: TestClient) -> None:
    response = client.post("/logs?service=api", content=b"x" * (MAX_BODY_BYTES + 1), headers=TEXT)
    assert response.status_code == 413
    assert items(client) == []


def otlp_json(message: str = "card declined") -> dict[str, Any]:
    return {
        "resourceLogs": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]},
                "scopeLogs": [
                    {
                        "logRecords": [
                            {
                                "timeUnixNano": "1772355600000000000",
                                "severityNumber": 17,
                                "severityText": "ERROR",
                                "body": {"stringValue": message},
                                "attributes": [{"key": "log.record.uid", "value": {"stringValue": "u1"}}],
                            }
                        ]
                    }
                ],
            }
        ]
    }


def test_otlp_json_is_answered_with_an_empty_json_response(client: TestClient) -> None:
    response = client.post("/v1/logs", json=otlp_json())
    assert response.status_code == 200
    assert response.json() == {}
    assert client.post("/v1/logs", json=otlp_json()).status_code == 200  # retried: stored once
    (stored,) = items(client, service="checkout")
    assert (stored["message"], stored["level"], stored["severity_number"], stored["record_id"]) == (
        "card declined",
        "ERROR",
        17,
        "u1",
    )


def test_otlp_protobuf_is_answered_with_a_protobuf_response(client: TestClient) -> None:
    request = ExportLogsServiceRequest(
        resource_logs=[
            ResourceLogs(
                resource=Resource(
                    attributes=[KeyValue(key="service.name", value=AnyValue(string_value="cart"))]
                ),
                scope_logs=[ScopeLogs(log_records=[OtlpRecord(body=AnyValue(string_value="cart 7 saved"))])],
            )
        ]
    )
    response = client.post(
        "/v1/logs", content=request.SerializeToString(), headers={"Content-Type": "application/x-protobuf"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    ExportLogsServiceResponse.FromString(response.content)
    assert [i["message"] for i in items(client, service="cart")] == ["cart 7 saved"]


def test_malformed_otlp_is_400_with_the_parsers_message(client: TestClient) -> None:
    response = client.post("/v1/logs", json={"resourceLogs": "nope"})
    assert response.status_code == 400
    assert "resourceLogs" in response.json()["detail"]
    garbled = client.post(
        "/v1/logs", content=b"\xff\xff\xff", headers={"Content-Type": "application/x-protobuf"}
    )
    assert garbled.status_code == 400
    assert client.post("/v1/logs", content=b"x", headers=TEXT).status_code == 415


def test_template_ids_are_stable_across_a_restarted_miner(database_url: str, log_model_dir: Path) -> None:
    lines = [{"service": "db", "message": f"connection {i} closed after {i * 3} ms"} for i in range(4)]
    with make_client(database_url, log_model_dir) as first:
        assert accepted(first.post("/logs", json=lines[:2]))["templates_new"] == 1
        (before,) = {i["template_id"] for i in items(first)}
    with make_client(
        database_url, log_model_dir
    ) as second:  # a new process: its miner is restored from the store
        assert accepted(second.post("/logs", json=lines[2:]))["templates_new"] == 0
        assert {i["template_id"] for i in items(second)} == {before}
        assert (
            next(i["message"] for i in items(second, template_id=before)) == "connection 3 closed after 9 ms"
        )


def test_get_logs_filters_by_service_since_limit_and_template(client: TestClient) -> None:
    records = [
        {"timestamp": f"2026-03-01T09:00:0{i}Z", "service": "a" if i % 2 else "b", "message": f"tick {i}"}
        for i in range(6)
    ]
    accepted(client.post("/logs", json=records))
    assert [i["message"] for i in items(client, service="a")] == ["tick 5", "tick 3", "tick 1"]
    assert [i["message"] for i in items(client, since="2026-03-01T09:00:04Z")] == ["tick 5", "tick 4"]
    assert [i["message"] for i in items(client, since="2026-03-01T09:00:04")] == ["tick 5", "tick 4"]  # UTC
    assert [i["message"] for i in items(client, limit="2")] == ["tick 5", "tick 4"]
    template = items(client)[0]["template_id"]
    assert len(items(client, template_id=template)) == 6
    assert items(client, template_id="0" * 16) == []
    assert client.get("/logs", params={"limit": "0"}).status_code == 422


def test_senders_need_the_shared_source_token_or_an_operator_api_token(
    database_url: str, log_model_dir: Path
) -> None:
    with make_client(database_url, log_model_dir, sources={"token": SOURCE_TOKEN}) as client:
        access: AccessControl = client.app.state.access  # type: ignore[attr-defined]
        _, operator = access.tokens.create("shipper", Role.OPERATOR)
        _, viewer = access.tokens.create("reader", Role.VIEWER)
        access.forget()  # an API token exists: protected mode
        record = {"service": "api", "message": "m"}
        assert client.post("/logs", json=record).status_code == 401
        assert client.post("/v1/logs", json={}).status_code == 401
        assert client.post("/logs", json=record, headers={"X-Holdoff-Token": SOURCE_TOKEN}).status_code == 202
        assert client.post(f"/v1/logs?token={SOURCE_TOKEN}", json={}).status_code == 200
        bearer = {"Authorization": f"Bearer {operator}"}
        assert client.post("/logs", json=record, headers=bearer).status_code == 202
        refused = client.post("/logs", json=record, headers={"Authorization": f"Bearer {viewer}"})
        assert refused.status_code == 403
        assert (
            client.post("/logs", json=record, headers={"X-Holdoff-Token": "wrong-token-0000000"}).status_code
            == 401
        )
        assert len(client.get("/logs", headers=bearer).json()["items"]) == 2


def test_a_gzip_body_is_inflated_and_a_broken_one_refused(client: TestClient) -> None:
    packed = gzip.compress(json.dumps(otlp_json("zipped")).encode())
    gz = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    assert client.post("/v1/logs", content=packed, headers=gz).status_code == 200
    assert [i["message"] for i in items(client)] == ["zipped"]
    assert client.post("/v1/logs", content=packed[:-9], headers=gz).status_code == 400
    assert client.post("/v1/logs", content=b"not gzip", headers=gz).status_code == 400
    bomb = gzip.compress(b"a" * (9 * MAX_BODY_BYTES))
    assert (
        client.post("/logs?service=s", content=bomb, headers={**TEXT, "Content-Encoding": "gzip"}).status_code
        == 413
    )
    brotli = {**TEXT, "Content-Encoding": "br"}
    assert client.post("/logs?service=s", content=b"x", headers=brotli).status_code == 415


def test_ndjson_does_not_split_a_record_at_a_unicode_line_separator(client: TestClient) -> None:
    text = '{"service": "api", "message": "a\u2028b"}\n'
    assert accepted(client.post("/logs", content=text.encode(), headers=NDJSON))["accepted"] == 1
    assert [i["message"] for i in items(client)] == ["a\u2028b"]


def records_of(n: int, start: int = 0) -> list[LogRecord]:
    return [
        LogRecord(timestamp=T0 + timedelta(seconds=i), service="svc", message=f"worker {i} took {i * 7} ms")
        for i in range(start, start + n)
    ]


def stored_counts(db: Database) -> tuple[int, int]:
    """(lines stored, lines counted by the stored templates)."""
    with db.read() as conn:
        lines = len(log_lines.recent(conn, limit=10_000))
        counted = sum(t.count for t in log_templates.load(conn))
    return lines, counted


def make_ingest(db: Database, model_dir: Path) -> LogIngest:
    judge = Judge(db, model_dir, clock=lambda: T0, read_marks=log_marks.all_marks)
    return LogIngest(db, judge, clock=lambda: T0, detectors=build_all(default_detectors()))


def test_concurrent_batches_share_one_miner_and_every_line_is_counted_once(
    database_url: str, log_model_dir: Path
) -> None:
    db = Database(database_url)
    try:
        service = make_ingest(db, log_model_dir)
        with ThreadPoolExecutor(4) as pool:
            done = list(pool.map(lambda k: service.ingest(records_of(25, k * 25), T0), range(4)))
        assert sum(d.templates_new for d in done) == 1
        assert stored_counts(db) == (100, 100)
    finally:
        db.dispose()


def test_a_failed_write_leaves_the_miner_in_step_with_the_store(
    database_url: str, monkeypatch: pytest.MonkeyPatch, log_model_dir: Path
) -> None:
    db = Database(database_url)
    try:
        service = make_ingest(db, log_model_dir)
        service.ingest(records_of(3), T0)

        def broken(*_: object) -> int:
            raise RuntimeError("disk full")

        other = [LogRecord(timestamp=T0, service="svc", message=f"cache miss for key {i}") for i in range(4)]
        with monkeypatch.context() as patch:
            patch.setattr(log_lines, "insert", broken)
            with pytest.raises(RuntimeError):
                service.ingest(other, T0)
        assert stored_counts(db) == (3, 3)  # nothing of the failed batch, lines or counts
        retried = service.ingest(other, T0)
        assert retried.templates_new == 1  # the failed batch's template was never stored: new again
        assert stored_counts(db) == (7, 7)
    finally:
        db.dispose()
