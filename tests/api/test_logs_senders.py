"""Who may post logs (``logs.senders`` tokens held to their services, the shared source token, operators,
``logs.open``), backpressure (429 with Retry-After), verdicts stored with each line, and
``GET /log/{message}``: on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.auth.access import AccessControl
from holdoff.auth.roles import Role
from holdoff.runtime import Runtime
from holdoff.settings import Settings

TEXT = {"Content-Type": "text/plain"}
FLUENT = "fluent-bit-token-0123456789"
CHECKOUT = "checkout-only-token-0123456789"
SHARED = "shared-source-token-0123456789"


def make_client(database_url: str, model_dir: Path, **logs: Any) -> TestClient:
    settings = Settings.model_validate(
        {
            "database": {"url": database_url},
            "server": {"public_url": "https://holdoff.test"},
            "sources": {"token": SHARED},
            "logs": {"classifier": {"model_dir": str(model_dir)}, **logs},
        }
    )
    runtime = Runtime(settings, channels={}, run_workers=False)
    return TestClient(create_app(runtime), base_url="http://127.0.0.1")


def protect(client: TestClient) -> str:
    """Leave open mode (an API token exists); returns that operator token."""
    access: AccessControl = client.app.state.access  # type: ignore[attr-defined]
    _, token = access.tokens.create("shipper", Role.OPERATOR)
    access.forget()
    return token


@pytest.fixture
def client(database_url: str, log_model_dir: Path) -> Iterator[TestClient]:
    senders = {"fluent-bit": {"token": FLUENT}, "checkout": {"token": CHECKOUT, "services": ["checkout"]}}
    with make_client(database_url, log_model_dir, senders=senders) as test_client:
        protect(test_client)
        yield test_client


def post_text(client: TestClient, service: str, token: str | None, body: str = "started\n") -> Any:
    headers = dict(TEXT) | ({"Authorization": f"Bearer {token}"} if token else {})
    return client.post("/logs", params={"service": service}, content=body, headers=headers)


def test_each_sender_posts_with_its_own_token_and_the_shared_token_still_works(client: TestClient) -> None:
    assert post_text(client, "api", FLUENT).status_code == 202
    assert post_text(client, "api", SHARED).status_code == 202
    assert post_text(client, "checkout", CHECKOUT).status_code == 202


def test_no_or_a_wrong_token_is_refused(client: TestClient) -> None:
    assert post_text(client, "api", None).status_code == 401
    assert post_text(client, "api", "not-a-token-of-anyone-here").status_code == 401


def test_a_sender_held_to_its_services_cannot_post_for_another(client: TestClient) -> None:
    response = post_text(client, "billing", CHECKOUT)
    assert response.status_code == 403
    assert "checkout" in response.json()["detail"] and "billing" in response.json()["detail"]
    stored = client.get("/logs", headers={"Authorization": f"Bearer {FLUENT}"})
    assert stored.status_code == 401  # a sender's token reads nothing


def test_an_operator_token_posts_too(client: TestClient) -> None:
    access: AccessControl = client.app.state.access  # type: ignore[attr-defined]
    _, token = access.tokens.create("operator", Role.OPERATOR)
    assert post_text(client, "api", token).status_code == 202


def test_open_logs_accept_posts_without_a_token(database_url: str, log_model_dir: Path) -> None:
    with make_client(database_url, log_model_dir, open=True) as client:
        protect(client)
        assert post_text(client, "api", None).status_code == 202


def test_a_post_beyond_the_waiting_limit_is_answered_429_with_retry_after(
    database_url: str, log_model_dir: Path
) -> None:
    with make_client(database_url, log_model_dir, max_pending_batches=1, retry_after_seconds=7) as client:
        runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
        with runtime.log_ingest.admitted():  # one post is waiting for the writer already
            response = post_text(client, "api", SHARED)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        assert "retry after 7s" in response.json()["detail"]
        after = post_text(client, "api", SHARED)  # the place is free again
        assert after.status_code == 202


def test_each_stored_line_carries_its_verdict_beside_the_declared_level(
    database_url: str, log_model_dir: Path
) -> None:
    with make_client(database_url, log_model_dir) as client:
        body = (
            "<2>Mar  1 09:00:00 node7 kernel: Kernel panic - not syncing: Fatal exception in interrupt\n"
            "<14>Mar  1 09:00:01 node7 systemd[1]: Started Session 42 of user deploy.\n"
        )
        assert post_text(client, "node7", None, body).status_code == 202
        items = client.get("/logs", params={"service": "node7"}).json()["items"]
        by_message = {item["message"]: item for item in items}
        panic = next(item for message, item in by_message.items() if "Kernel panic" in message)
        started = next(item for message, item in by_message.items() if "Started Session" in message)
        assert panic["critical"] is True and panic["severity"] == "critical"
        assert started["critical"] is False
        assert panic["reason"] and all(len(pair) == 2 for pair in panic["reason"])
        assert panic["model_version"] and panic["model_version"] != "declared-level"
        assert 0.5 < panic["score"] <= 1.0 and 0.0 <= started["score"] < 0.5


def test_get_log_judges_one_message_without_storing_it(database_url: str, log_model_dir: Path) -> None:
    with make_client(database_url, log_model_dir) as client:
        calm = client.get("/log/User logged in successfully")
        alarming = client.get(
            "/log/Out of memory: Killed process 4242 (java) total-vm:8123456kB", params={"level": "info"}
        )
        assert calm.status_code == 200 and alarming.status_code == 200, (calm.text, alarming.text)
        assert calm.json()["critical"] is False
        verdict = alarming.json()
        assert verdict["critical"] is True
        assert verdict["reason"]["level"] == "info" and verdict["reason"]["declared"] == "info"
        assert verdict["reason"]["features"] and verdict["reason"]["model"]
        assert client.get("/logs").json()["items"] == []
        assert client.get("/log/%20").status_code == 422
