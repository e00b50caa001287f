"""``POST /events`` and ``GET /events`` on SQLite and PostgreSQL: one event or a list, ``at`` defaulting to
now, 400 saying what is wrong, who may post (the events token, the shared source token, an operator),
filters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.auth.access import AccessControl
from holdoff.auth.roles import Role
from holdoff.runtime import Runtime
from holdoff.settings import Settings

EVENTS_TOKEN = "events-token-0123456789"
SHARED = "shared-source-token-0123456789"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings.model_validate(
        {
            "database": {"url": database_url},
            "sources": {"token": SHARED},
            "evidence": {"events_token": EVENTS_TOKEN},
        }
    )
    with TestClient(
        create_app(Runtime(settings, channels={}, run_workers=False)), base_url="http://127.0.0.1"
    ) as test_client:
        yield test_client


def operator(client: TestClient) -> str:
    """Leave open mode (an API token exists); that operator's token."""
    access: AccessControl = client.app.state.access  # type: ignore[attr-defined]
    _, token = access.tokens.create("ci", Role.OPERATOR)
    access.forget()
    return token


def post(client: TestClient, body: Any, token: str | None = EVENTS_TOKEN) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/events", json=body, headers=headers)


def listed(client: TestClient, token: str, **params: str) -> list[dict[str, Any]]:
    response = client.get("/events", params=params, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_one_event_or_a_list_is_stored_and_listed_newest_first(client: TestClient) -> None:
    admin = operator(client)
    one = {"type": "deploy", "service": "web", "at": "2026-03-01T09:50:00Z", "summary": "web v1.4.2"}
    first = post(client, one)
    assert first.status_code == 201, first.text
    assert first.json()["accepted"] == 1
    many = [
        {
            "type": "config",
            "service": "web",
            "environment": "prod",
            "at": "2026-03-01T09:55:00+00:00",
            "summary": "pool size 50 -> 20",
            "labels": {"change": "CHG-7"},
            "source": "argo",
        },
        {"type": "scale", "service": "search", "summary": "3 -> 6 replicas"},  # at: now
    ]
    second = post(client, many, token=SHARED)
    assert second.status_code == 201 and len(second.json()["ids"]) == 2
    items = listed(client, admin)
    assert [item["summary"] for item in items] == ["3 -> 6 replicas", "pool size 50 -> 20", "web v1.4.2"]
    config = items[1]
    assert config["environment"] == "prod" and config["labels"] == {"change": "CHG-7"}
    assert config["source"] == "argo" and config["at"].startswith("2026-03-01T09:55:00")
    assert items[2]["source"] == "api"


def test_filters_by_service_type_and_time(client: TestClient) -> None:
    admin = operator(client)
    events = [
        {"type": "deploy", "service": "web", "at": "2026-03-01T08:00:00Z", "summary": "old deploy"},
        {"type": "deploy", "service": "web", "at": "2026-03-01T09:50:00Z", "summary": "new deploy"},
        {"type": "config", "service": "web", "at": "2026-03-01T09:51:00Z", "summary": "config"},
        {"type": "deploy", "service": "search", "at": "2026-03-01T09:52:00Z", "summary": "search"},
    ]
    assert post(client, events).status_code == 201
    found = listed(client, admin, service="web", type="deploy", since="2026-03-01T09:00:00Z")
    assert [item["summary"] for item in found] == ["new deploy"]
    assert [i["summary"] for i in listed(client, admin, until="2026-03-01T09:00:00+00:00")] == ["old deploy"]
    bad = client.get("/events", params={"since": "yesterday"}, headers={"Authorization": f"Bearer {admin}"})
    assert bad.status_code == 400 and "ISO time" in bad.json()["detail"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (
            {"type": "reboot", "service": "web", "summary": "x"},
            "type: Input should be 'deploy', 'config' or 'scale'",
        ),
        ({"type": "deploy", "summary": "x"}, "service: Field required"),
        (
            {"type": "deploy", "service": "web", "summary": "x", "at": "2026-03-01T09:00:00"},
            "at: Input should have timezone info",
        ),
        (
            [{"type": "deploy", "service": "web", "summary": "ok"}, {"type": "deploy", "service": "web"}],
            "1.summary: Field required",
        ),
        (
            {"type": "deploy", "service": "web", "summary": "x", "who": "me"},
            "who: Extra inputs are not permitted",
        ),
        ([], "the list of change events is empty"),
        ("deploy", "expected a change event object or a list of them, got str"),
    ],
    ids=["type", "service", "naive-time", "list-index", "extra", "empty", "not-an-object"],
)
def test_a_wrong_body_is_400_saying_what_is_wrong(client: TestClient, body: Any, says: str) -> None:
    response = post(client, body)
    assert response.status_code == 400
    assert says in response.json()["detail"]


def test_malformed_json_is_400(client: TestClient) -> None:
    response = client.post(
        "/events",
        content="{",
        headers={"Authorization": f"Bearer {EVENTS_TOKEN}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and "malformed JSON" in response.json()["detail"]


def test_a_wrong_or_missing_token_is_refused_once_access_control_is_on(client: TestClient) -> None:
    admin = operator(client)
    event = {"type": "deploy", "service": "web", "summary": "x"}
    assert post(client, event, token="not-the-token").status_code == 401
    assert post(client, event, token=None).status_code == 401
    assert post(client, event, token=admin).status_code == 201
    assert client.get("/events").status_code == 401
