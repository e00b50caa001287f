"""The channels page and ``GET /channels`` show how alert sources are authenticated and the configuration's
warnings; credentials created while the service runs turn open sources into a warning and a log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.auth.access import AccessControl
from holdoff.auth.roles import Role
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from tests.service.helpers import FakeClock

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        sns_verify_signatures=False,
        open_sources=["generic"],
        ingest_tokens={"alertmanager": "am-token-0123456789"},  # type: ignore[dict-item]
    )
    runtime = Runtime(settings, channels={}, clock=FakeClock(), run_workers=False)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as test_client:
        yield test_client


def access(client: TestClient) -> AccessControl:
    found: AccessControl = client.app.state.access  # type: ignore[attr-defined]
    return found


def test_channels_page_shows_warnings_and_how_each_source_is_authenticated(client: TestClient) -> None:
    response = client.get("/ui/channels", headers=HTML)
    assert response.status_code == 200, response.text
    page = response.text
    assert '<div data-warning="sns-signatures-off"><p class="notice">SNS signature' in page
    assert "SNS signature verification is off" in page
    assert 'data-warning="ingest-unauthenticated"' not in page  # open mode: every source is open anyway
    assert '<li data-source="alertmanager" data-auth="token">' in page
    assert '<li data-source="generic" data-auth="open">' in page
    assert '<li data-source="coralogix" data-auth="open-mode">' in page
    assert "coralogix (/coralogix/webhook): open because Holdoff runs in open mode" in page


def test_credentials_made_while_running_warn_in_the_log_and_on_the_page_and_webhooks_still_arrive(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    assert client.get("/channels").status_code == 200  # open mode seen
    _, token = access(client).tokens.create("me", Role.ADMIN)
    access(client).forget()  # as if the one-second recheck had passed
    auth = {"Authorization": f"Bearer {token}"}

    with caplog.at_level(logging.WARNING, logger="holdoff.auth.access"):
        answer = client.get("/channels", headers=auth)
    assert answer.status_code == 200, answer.text
    assert "credentials now exist: Holdoff left open mode" in caplog.text
    assert "[ingest-unauthenticated]" in caplog.text
    assert (
        "coralogix, grafana, cloudwatch, aws-health, securityhub accept webhooks without a token"
        in caplog.text
    )
    body = answer.json()
    assert {s["name"]: s["auth"] for s in body["sources"]} == {
        "coralogix": "unauthenticated",
        "alertmanager": "token",
        "grafana": "unauthenticated",
        "cloudwatch": "unauthenticated",
        "aws-health": "unauthenticated",
        "securityhub": "unauthenticated",
        "generic": "open",
    }
    assert [w["code"] for w in body["warnings"]] == ["ingest-unauthenticated", "sns-signatures-off"]
    assert "HOLDOFF_OPEN_SOURCES=coralogix,grafana" in body["warnings"][0]["fix"]

    page = client.get("/ui/channels", headers={**HTML, **auth}).text
    assert '<div data-warning="ingest-unauthenticated"><p class="notice">Holdoff is in protected mode' in page
    assert "HOLDOFF_INGEST_TOKENS=&#39;{&#34;coralogix&#34;" in page  # the fix, escaped
    assert '<li data-source="coralogix" data-auth="unauthenticated">' in page

    webhook = {"alert_id": "w-1", "alert_name": "Still Paged", "alert_action": "TRIGGERED"}
    assert client.post("/coralogix/webhook", json=webhook).status_code == 202  # alerts are never dropped
