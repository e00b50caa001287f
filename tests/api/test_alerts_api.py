"""The HTTP API in-process (FastAPI TestClient) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.runtime import Runtime
from holdoff.settings import Settings

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, grace_seconds=600, public_url="https://holdoff.test")
    with TestClient(
        create_app(Runtime(settings, channels={}, run_workers=False)), base_url="http://127.0.0.1"
    ) as test_client:
        yield test_client


def post(client: TestClient, body: dict[str, object]) -> dict[str, object]:
    response = client.post("/coralogix/webhook", json=body)
    assert response.status_code == 202, response.text
    return response.json()  # type: ignore[no-any-return]


def alert_event(alert_id: str, action: str = "TRIGGERED", name: str = "CPU Spike Test") -> dict[str, object]:
    return {"alert_id": alert_id, "alert_name": name, "alert_action": action}


def test_health_checks_the_database(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_webhook_answers_202_with_alert_id_state_and_link(client: TestClient) -> None:
    body = post(client, alert_event("test-xx"))
    assert body["state"] == "pending"
    assert body["url"] == f"https://holdoff.test/alerts/{body['alert_id']}"


@pytest.mark.parametrize("action", ["TRIGGERED", "triggered", "trigger", "Trigger"])
def test_trigger_action_is_read_in_any_case(client: TestClient, action: str) -> None:
    assert post(client, alert_event("a", action))["state"] == "pending"


@pytest.mark.parametrize("action", ["RESOLVED", "resolved", "resolve", "Resolve"])
def test_resolve_action_is_read_in_any_case(client: TestClient, action: str) -> None:
    post(client, alert_event("a"))
    body = post(client, alert_event("a", action))
    assert (body["state"], body["resolution"]) == ("resolved", "transient")


def test_default_template_payload_is_mapped(client: TestClient) -> None:
    payload = {
        "alert_id": "c0ffee",
        "name": "High error rate",
        "description": "5xx above 5% for 10 minutes",
        "alert_action": "trigger",
        "alert_url": "https://coralogix.example/alerts/c0ffee",
        "log_url": "$LOG_URL",
        "service": "checkout",
        "fields": [
            {"key": "team", "value": "payments"},
            {"key": "severity", "value": "Critical"},
            {"key": "priority", "value": "P1"},
        ],
    }
    alert_id = post(client, payload)["alert_id"]
    detail = client.get(f"/alerts/{alert_id}").json()
    assert detail["name"] == "High error rate"
    assert detail["severity"] == "critical"
    assert detail["labels"] == {
        "team": "payments",
        "severity": "Critical",
        "priority": "P1",
        "service": "checkout",
    }
    assert detail["annotations"]["description"] == "5xx above 5% for 10 minutes"
    assert detail["links"] == {"alert_url": "https://coralogix.example/alerts/c0ffee"}


def test_reference_default_template_sample_is_accepted(client: TestClient) -> None:
    sample = json.loads((PAYLOADS / "coralogix-webhook-default-template.json").read_text())
    sample["alert_action"] = "TRIGGERED"
    body = post(client, sample)
    detail = client.get(f"/alerts/{body['alert_id']}").json()
    # Unsubstituted template variables are not shown as if they were data.
    assert detail["links"] == {}
    assert detail["name"] == "$ALERT_ID"


def test_list_is_newest_first_filterable_and_paginated(client: TestClient) -> None:
    ids = [post(client, alert_event(f"a{i}"))["alert_id"] for i in range(5)]
    post(client, alert_event("a1", "RESOLVED"))
    page = client.get("/alerts", params={"limit": 2}).json()
    assert [item["id"] for item in page["items"]] == [ids[1], ids[4]]
    seen = [item["id"] for item in page["items"]]
    cursor = page["next_cursor"]
    while cursor:
        page = client.get("/alerts", params={"limit": 2, "cursor": cursor}).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(ids) and len(seen) == 5
    pending = client.get("/alerts", params={"status": "pending"}).json()["items"]
    assert {item["id"] for item in pending} == set(ids) - {ids[1]}
    both = client.get("/alerts", params={"status": "pending,resolved"}).json()["items"]
    assert len(both) == 5


def test_unknown_status_filter_is_a_400_naming_the_states(client: TestClient) -> None:
    response = client.get("/alerts", params={"status": "open"})
    assert response.status_code == 400
    assert "pending" in response.json()["detail"]


def test_forged_cursor_is_a_400(client: TestClient) -> None:
    response = client.get("/alerts", params={"cursor": "not-a-cursor"})
    assert response.status_code == 400


def test_detail_shows_the_timeline(client: TestClient) -> None:
    alert_id = post(client, alert_event("t"))["alert_id"]
    post(client, alert_event("t"))
    post(client, alert_event("t", "RESOLVED"))
    detail = client.get(f"/alerts/{alert_id}").json()
    assert [e["action"] for e in detail["timeline"]] == ["triggered", "triggered", "resolved"]
    assert detail["repeat_count"] == 1
    assert detail["notifications"] == []


def test_unknown_alert_detail_is_404(client: TestClient) -> None:
    assert client.get("/alerts/999").status_code == 404
    assert client.post("/alerts/999/acknowledge").status_code == 404


def test_acknowledge_suppress_and_resolve_by_hand(client: TestClient) -> None:
    a = post(client, alert_event("ack"))["alert_id"]
    s = post(client, alert_event("sup"))["alert_id"]
    acked = client.post(f"/alerts/{a}/acknowledge", json={"by": "alice"}).json()
    assert acked["state"] == "acknowledged"
    assert client.post(f"/alerts/{s}/suppress").json()["state"] == "suppressed"
    resolved = client.post(f"/alerts/{a}/resolve", json={"by": "alice", "note": "fixed"}).json()
    assert (resolved["state"], resolved["resolution"]) == ("resolved", "before_escalation")
    detail = client.get(f"/alerts/{a}").json()
    assert detail["acknowledged_by"] == "alice"
    assert [e["actor"] for e in detail["timeline"]] == [None, "alice", "alice"]


def test_acknowledging_a_resolved_alert_is_a_409(client: TestClient) -> None:
    alert_id = post(client, alert_event("x"))["alert_id"]
    post(client, alert_event("x", "RESOLVED"))
    response = client.post(f"/alerts/{alert_id}/acknowledge")
    assert response.status_code == 409
    assert "resolved" in response.json()["detail"]


def test_openapi_documents_the_webhook_body(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/coralogix/webhook"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "alert_id" in body["required"]
    assert client.get("/docs").status_code == 200


def test_nul_and_lone_surrogates_are_kept_as_replacement_characters_on_every_backend(
    client: TestClient,
) -> None:
    body = '{"alert_id": "a\\u0000b", "alert_action": "TRIGGERED", "description": "d\\ud800"}'
    response = client.post("/coralogix/webhook", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 202, response.text
    (item,) = client.get("/alerts").json()["items"]
    assert item["fingerprint"] == "a\ufffdb"
    assert item["annotations"]["description"] == "d\ufffd"
    assert client.get(f"/alerts/{item['id']}").status_code == 200


def test_malformed_json_in_an_operator_action_is_a_400(client: TestClient) -> None:
    alert_id = post(client, alert_event("m"))["alert_id"]
    response = client.post(
        f"/alerts/{alert_id}/acknowledge", content=b'{"by": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("malformed JSON")
