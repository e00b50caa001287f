"""``GET /alerts/{id}/logs``: the lines of an alert's service around its start, from Holdoff's own lines
(SQLite and PostgreSQL) or from the configured log store (a local Loki); what is wrong is said."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.logs.lookup.around import host_of
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from tests.api.test_logs_ingest import NDJSON, accepted, make_client
from tests.logs.test_lookup_loki import START as LOKI_START
from tests.logs.test_lookup_loki import LocalLoki

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
GENERIC = {"generic": {"mapping": {"starts_at": "starts_at"}}}


def fire(client: TestClient, alert_id: str, labels: dict[str, str], starts_at: datetime) -> int:
    body = {"id": alert_id, "status": "firing", "labels": labels, "starts_at": starts_at.isoformat()}
    response = client.post("/webhooks/generic", json=body)
    assert response.status_code == 202, response.text
    [alert] = [a for a in client.get("/alerts").json()["items"] if a["fingerprint"] == alert_id]
    found: int = alert["id"]
    return found


def line(message: str, at: datetime, service: str = "checkout", host: str = "web-1") -> str:
    record = {"timestamp": at.isoformat(), "service": service, "host": host, "message": message}
    return json.dumps(record)


def logs_of(client: TestClient, alert_id: int, **params: Any) -> dict[str, Any]:
    response = client.get(f"/alerts/{alert_id}/logs", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def make_client_with_logs(database_url: str, logs: dict[str, Any]) -> TestClient:
    settings = Settings(database_url=database_url, grace_seconds=600, sources=GENERIC, logs=logs)
    return TestClient(
        create_app(Runtime(settings, channels={}, run_workers=False)), base_url="http://127.0.0.1"
    )


@pytest.fixture
def client(database_url: str, log_model_dir: Path) -> Iterator[TestClient]:
    with make_client(database_url, log_model_dir, sources=GENERIC) as test_client:
        yield test_client


def test_the_lines_of_the_alerts_service_around_its_start_newest_first(client: TestClient) -> None:
    lines = [
        line("pool exhausted: 50 of 50 connections busy", T0 - timedelta(minutes=2)),
        line("upstream timed out after 3000 ms", T0 + timedelta(minutes=1)),
        line("too early: routine start-up", T0 - timedelta(minutes=30)),
        line("too late: routine shutdown", T0 + timedelta(minutes=20)),
        line("another service entirely", T0, service="search"),
        line("the same service on another host", T0, host="web-2"),
    ]
    accepted(client.post("/logs", content="\n".join(lines) + "\n", headers=NDJSON))
    alert_id = fire(client, "checkout-slow", {"service": "checkout", "host": "web-1"}, T0)

    found = logs_of(client, alert_id)
    assert found["source"] == "holdoff"
    assert found["started"].startswith("2026-03-01T09:00:00")
    assert found["query"]["service"] == "checkout" and found["query"]["host"] == "web-1"
    assert [item["message"] for item in found["lines"]] == [
        "upstream timed out after 3000 ms",
        "pool exhausted: 50 of 50 connections busy",
    ]
    first = found["lines"][0]
    assert first["source_name"] == "holdoff" and first["host"] == "web-1"
    assert first["labels"]["severity"] in {"debug", "info", "warning", "error", "critical"}
    assert first["labels"]["template_id"]

    wider = logs_of(client, alert_id, before="1h", after="30m", contains="routine")
    assert [item["message"] for item in wider["lines"]] == [
        "too late: routine shutdown",
        "too early: routine start-up",
    ]
    other_host = logs_of(client, alert_id, host="web-2")
    assert [item["message"] for item in other_host["lines"]] == ["the same service on another host"]
    assert [item["message"] for item in logs_of(client, alert_id, limit=1)["lines"]] == [
        "upstream timed out after 3000 ms"
    ]


def test_an_alert_without_a_service_label_needs_one_given(client: TestClient) -> None:
    accepted(client.post("/logs", content=line("disk 97% full", T0) + "\n", headers=NDJSON))
    alert_id = fire(client, "disk-full", {"team": "storage"}, T0)
    response = client.get(f"/alerts/{alert_id}/logs")
    assert response.status_code == 400
    assert "none of the labels service, app, application, subsystem, job" in response.json()["detail"]
    given = logs_of(client, alert_id, service="checkout")
    assert [item["message"] for item in given["lines"]] == ["disk 97% full"]
    by_job = fire(client, "job-labelled", {"job": "checkout"}, T0)
    assert [item["message"] for item in logs_of(client, by_job)["lines"]] == ["disk 97% full"]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"before": "ten minutes"}, "before:"),
        ({"after": "-5m"}, "after:"),
        ({"before": "3d"}, "before:"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_bad_parameters_are_400_or_422_saying_which(
    client: TestClient, params: dict[str, str], words: str
) -> None:
    alert_id = fire(client, "checkout-slow", {"service": "checkout"}, T0)
    response = client.get(f"/alerts/{alert_id}/logs", params=params)
    assert response.status_code in {400, 422}, response.text
    assert words in response.text


def test_an_unknown_alert_is_404(client: TestClient) -> None:
    response = client.get("/alerts/999999/logs")
    assert response.status_code == 404 and "no alert with id 999999" in response.json()["detail"]


def test_a_configured_loki_is_asked_instead_and_its_failure_is_502(
    database_url: str, log_model_dir: Path
) -> None:
    with LocalLoki() as loki:
        lookup = {"type": "loki", "url": loki.base_url, "tenant": "team-a"}
        settings_logs = {"classifier": {"model_dir": str(log_model_dir)}, "lookup": lookup}
        with make_client_with_logs(database_url, settings_logs) as client:
            alert_id = fire(
                client, "checkout-slow", {"service": "checkout"}, LOKI_START + timedelta(seconds=15)
            )
            found = logs_of(client, alert_id, before="1m", after="1m")
            assert found["source"] == "loki"
            assert [item["message"] for item in found["lines"]] == [
                '{"level":"error","msg":"payment declined","order":42}',
                "2024-05-01 10:00:15 WARN retrying payment",
                "request served in 12ms",
            ]
            [seen] = loki.requests
            assert seen.param("query") == '{service_name="checkout"}'
            assert seen.headers["x-scope-orgid"] == "team-a"
        without_tenant = {**settings_logs, "lookup": {"type": "loki", "url": loki.base_url}}
        with make_client_with_logs(database_url, without_tenant) as client:
            alert_id = fire(client, "checkout-slow-2", {"service": "checkout"}, LOKI_START)
            response = client.get(f"/alerts/{alert_id}/logs")
            assert response.status_code == 502
            assert "credentials refused" in response.json()["detail"]


@pytest.mark.parametrize(
    ("labels", "host"),
    [
        ({"host": "db-1", "instance": "web-1:9100"}, "db-1"),
        ({"hostname": "db-2"}, "db-2"),
        ({"instance": "web-1:9100"}, "web-1"),
        ({"instance": "10.0.0.7:9100"}, "10.0.0.7"),
        ({"instance": "[2001:db8::1]:9100"}, "2001:db8::1"),
        ({"instance": "web-1"}, "web-1"),
        ({"instance": "2001:db8::1"}, "2001:db8::1"),
        ({"team": "storage"}, None),
    ],
)
def test_the_host_is_named_by_host_hostname_or_instance_without_its_port(
    labels: dict[str, str], host: str | None
) -> None:
    assert host_of(labels) == host
