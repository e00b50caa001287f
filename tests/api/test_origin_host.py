"""The Origin and Host checks: the decision function, then the application in open and protected mode.

The checks look at headers only and run before any route touches the database, so the in-process
tests use one SQLite file; the stored alert they look at afterwards is read through the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from holdoff.api.app import create_app
from holdoff.api.origin import Refusal, Trusted, check, host_name, web_origin
from holdoff.auth.roles import Role
from holdoff.runtime import Runtime
from holdoff.settings import Settings, load_settings
from holdoff.settings.file import ConfigError
from holdoff.settings.warnings import config_warnings
from tests.api.access_support import secured_app

HOLDOFF = "http://127.0.0.1:5000"
EVIL = "http://evil.example"
WS = "ws://127.0.0.1:5000/ws/alerts"  # Starlette's test client connects WebSockets to testserver otherwise

LOCAL = Trusted.from_settings(Settings(host="127.0.0.1", port=5000))


def decide(trusted: Trusted = LOCAL, **request: Any) -> Refusal | None:
    """:func:`check` for a POST to /alerts/1/suppress on 127.0.0.1:5000, with ``request`` changed."""
    given: dict[str, Any] = {
        "method": "POST",
        "scheme": "http",
        "path": "/alerts/1/suppress",
        "host": "127.0.0.1:5000",
        "origin": None,
        "fetch_site": None,
    }
    return check(trusted, **(given | request))


# --------------------------------------------------------------------------- the decision


def test_a_request_without_origin_passes_as_curl_and_webhooks_send_it() -> None:
    assert decide() is None
    assert decide(path="/webhooks/alertmanager") is None
    assert decide(method=None, scheme="ws", path="/ws/alerts") is None


def test_the_own_origin_passes_and_a_foreign_one_is_refused_with_the_setting_named() -> None:
    assert decide(origin=HOLDOFF) is None
    assert decide(origin="http://LOCALHOST:5000", host="localhost:5000") is None
    refusal = decide(origin=EVIL)
    assert refusal is not None and refusal.status == 403
    assert "http://evil.example" in refusal.detail and "HOLDOFF_ALLOWED_ORIGINS" in refusal.detail


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:8000",  # another port is another origin
        "https://127.0.0.1:5000",  # so is another scheme
        "http://127.0.0.1.evil.example:5000",
        "not a url",
        "null",
    ],
)
def test_every_other_origin_is_refused(origin: str) -> None:
    refusal = decide(origin=origin)
    assert refusal is not None and refusal.status == 403


def test_origin_null_is_refused_with_why() -> None:
    refusal = decide(origin="null")
    assert refusal is not None and "opaque origin" in refusal.detail


def test_safe_methods_are_not_checked_for_origin() -> None:
    for method in ("GET", "HEAD", "OPTIONS"):
        assert decide(method=method, origin=EVIL) is None


def test_websocket_upgrades_are_checked_like_unsafe_requests() -> None:
    assert decide(method=None, scheme="ws", path="/ws/alerts", origin=HOLDOFF) is None
    refusal = decide(method=None, scheme="ws", path="/ws/alerts", origin=EVIL)
    assert refusal is not None and refusal.detail.startswith("a WebSocket from the origin")
    trusted = Trusted.from_settings(Settings(public_url="https://holdoff.example"))
    assert (
        decide(trusted, method=None, scheme="wss", host="holdoff.example", origin="https://holdoff.example")
        is None
    )


def test_sec_fetch_site_without_origin_refuses_another_site() -> None:
    for site in ("cross-site", "same-site"):
        refusal = decide(fetch_site=site)
        assert refusal is not None and refusal.status == 403 and site in refusal.detail
    assert decide(fetch_site="same-origin") is None
    assert decide(fetch_site="none") is None  # typed in the address bar, a bookmark


def test_public_url_and_allowed_origins_are_trusted() -> None:
    trusted = Trusted.from_settings(
        Settings(public_url="https://holdoff.example/", allowed_origins=["https://grafana.example:3000"])
    )
    # Behind a TLS proxy the connection is plain http while the page is https.
    assert decide(trusted, host="holdoff.example", origin="https://holdoff.example") is None
    assert decide(trusted, origin="https://grafana.example:3000") is None
    assert decide(trusted, origin="https://grafana.example") is not None


def test_action_links_are_not_checked_for_origin() -> None:
    """Their page is served with no-referrer, so browsers send Origin: null with its button."""
    assert decide(path="/actions/abcdefghijkl", origin="null") is None
    assert decide(path="/actions/abcdefghijkl", host="evil.example") is not None


def test_a_host_nobody_named_is_refused_with_the_setting_named() -> None:
    refusal = decide(method="GET", host="evil.example")
    assert refusal is not None and refusal.status == 400
    assert "'evil.example'" in refusal.detail and "HOLDOFF_ALLOWED_HOSTS" in refusal.detail
    assert decide(method="GET", host="evil.example:5000", origin="http://evil.example:5000") is not None
    assert decide(method="GET", host="bad host/x") is not None


@pytest.mark.parametrize("host", ["127.0.0.1:5000", "localhost", "LOCALHOST.:5000", "[::1]:5000", "10.1.2.3"])
def test_ip_addresses_and_localhost_are_always_accepted(host: str) -> None:
    assert decide(method="GET", host=host) is None


def test_the_bind_address_public_url_and_allowed_hosts_name_holdoff() -> None:
    trusted = Trusted.from_settings(
        Settings(host="holdoff.lan", public_url="https://alerts.example.com", allowed_hosts=["holdoff"])
    )
    for host in ("holdoff.lan:5000", "alerts.example.com", "holdoff:5000"):
        assert decide(trusted, method="GET", host=host) is None, host
    assert decide(trusted, method="GET", host="example.com") is not None


def test_health_answers_any_host_for_probes() -> None:
    assert decide(method="GET", path="/health", host="holdoff-svc.monitoring.svc") is None


def test_all_addresses_accept_any_host_until_allowed_hosts_names_them() -> None:
    for bind in ("0.0.0.0", "::"):
        everywhere = Trusted.from_settings(Settings(host=bind, public_url="https://holdoff.example"))
        assert everywhere.any_host
        assert decide(everywhere, method="GET", host="holdoff:5000") is None
        # The Origin check still holds: only the Host's own origin is trusted.
        assert decide(everywhere, host="holdoff:5000", origin=EVIL) is not None
        named = Trusted.from_settings(Settings(host=bind, allowed_hosts=["holdoff"]))
        assert not named.any_host
        assert decide(named, method="GET", host="holdoff:5000") is None
        assert decide(named, method="GET", host="evil.example") is not None


def test_a_star_accepts_any_host() -> None:
    trusted = Trusted.from_settings(Settings(allowed_hosts=["*"]))
    assert decide(trusted, method="GET", host="anything.example") is None


def test_urls_are_compared_as_browsers_write_origins() -> None:
    assert web_origin("HTTPS://Holdoff.Example:443/path?q") == "https://holdoff.example"
    assert web_origin("http://[::1]:80") == "http://[::1]"
    assert web_origin("http://127.0.0.1:5000") == "http://127.0.0.1:5000"
    assert [web_origin(bad) for bad in ("null", "ftp://x", "http://", "http://x:99999")] == [None] * 4
    assert host_name("Example.COM.:5000") == "example.com"
    assert host_name("[::1]:5000") == "::1"
    assert [host_name(bad) for bad in ("", "a@b", "x:y", "host/path")] == [None] * 4


# --------------------------------------------------------------------------- settings


def test_settings_take_comma_separated_lists_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLDOFF_ALLOWED_HOSTS", "Holdoff.Example., [::1] ,holdoff")
    monkeypatch.setenv("HOLDOFF_ALLOWED_ORIGINS", "https://grafana.example, http://127.0.0.1:3000/")
    settings = load_settings()
    assert settings.server.allowed_hosts == ["holdoff.example", "::1", "holdoff"]
    assert settings.server.allowed_origins == ["https://grafana.example", "http://127.0.0.1:3000/"]


@pytest.mark.parametrize("value", ["https://holdoff.example", "holdoff.example:5000", "a/b"])
def test_a_host_with_scheme_port_or_path_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("HOLDOFF_ALLOWED_HOSTS", value)
    with pytest.raises(ConfigError, match=r"HOLDOFF_ALLOWED_HOSTS: .* is not a host name: write it without"):
        load_settings()


@pytest.mark.parametrize("value", ["grafana.example", "*", "https://grafana.example/app", "ftp://x", "null"])
def test_an_origin_that_is_not_scheme_host_port_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("HOLDOFF_ALLOWED_ORIGINS", value)
    with pytest.raises(
        ConfigError, match=r"HOLDOFF_ALLOWED_ORIGINS: .* is not an origin: write scheme://host\[:port\]"
    ):
        load_settings()


# --------------------------------------------------------------------------- the application, open mode


@pytest.fixture
def open_client(tmp_path: Path) -> Iterator[TestClient]:
    """Holdoff as ``make run`` starts it (loopback, no credentials: open mode), reached at 127.0.0.1:5000."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'holdoff.db'}", host="127.0.0.1", port=5000)
    runtime = Runtime(settings, channels={}, run_workers=False)
    with TestClient(create_app(runtime), base_url=HOLDOFF) as client:
        yield client


def trigger(client: TestClient, fingerprint: str = "cpu-1") -> int:
    body = {"alert_id": fingerprint, "alert_name": "CPU Spike", "alert_action": "TRIGGERED"}
    response = client.post("/coralogix/webhook", json=body)
    assert response.status_code == 202, response.text
    return int(response.json()["alert_id"])


def test_open_mode_refuses_a_suppress_from_another_origin(open_client: TestClient) -> None:
    alert_id = trigger(open_client)
    response = open_client.post(f"/alerts/{alert_id}/suppress", headers={"Origin": EVIL})
    assert response.status_code == 403
    assert "allowed_origins (HOLDOFF_ALLOWED_ORIGINS)" in response.json()["detail"]
    assert open_client.get(f"/alerts/{alert_id}").json()["state"] == "pending"


def test_open_mode_refuses_a_silence_from_another_origin(open_client: TestClient) -> None:
    body = {"matchers": '{alertname="CPU Spike"}', "duration": "1h", "created_by": "x", "comment": "y"}
    assert open_client.post("/silences", json=body, headers={"Origin": EVIL}).status_code == 403
    assert open_client.post("/silences", json=body, headers={"Origin": "null"}).status_code == 403
    assert open_client.get("/silences").json()["items"] == []


def test_the_same_origin_and_no_origin_still_act(open_client: TestClient) -> None:
    first, second = trigger(open_client, "a"), trigger(open_client, "b")
    own = open_client.post(f"/alerts/{first}/suppress", headers={"Origin": HOLDOFF})
    assert own.status_code == 200 and own.json()["state"] == "suppressed"
    curl = open_client.post(f"/alerts/{second}/acknowledge", json={"by": "alice"})
    assert curl.status_code == 200 and curl.json()["state"] == "acknowledged"


def test_a_webhook_with_a_foreign_origin_is_refused_and_without_one_accepted(open_client: TestClient) -> None:
    body = {"alert_id": "x", "alert_name": "X", "alert_action": "TRIGGERED"}
    assert open_client.post("/coralogix/webhook", json=body, headers={"Origin": EVIL}).status_code == 403
    assert open_client.post("/coralogix/webhook", json=body).status_code == 202


def test_a_configured_origin_may_act(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'holdoff.db'}", allowed_origins=["https://grafana.example"]
    )
    with TestClient(
        create_app(Runtime(settings, channels={}, run_workers=False)), base_url=HOLDOFF
    ) as client:
        alert_id = trigger(client)
        response = client.post(f"/alerts/{alert_id}/suppress", headers={"Origin": "https://grafana.example"})
        assert response.status_code == 200 and response.json()["state"] == "suppressed"


def test_a_foreign_host_gets_400_and_the_default_host_works(open_client: TestClient) -> None:
    refused = open_client.get("/alerts", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert "allowed_hosts (HOLDOFF_ALLOWED_HOSTS)" in refused.json()["detail"]
    assert open_client.post("/alerts/1/suppress", headers={"Host": "evil.example:5000"}).status_code == 400
    assert open_client.get("/alerts").status_code == 200
    assert open_client.get("/alerts", headers={"Host": "localhost:5000"}).status_code == 200
    assert open_client.get("/health", headers={"Host": "evil.example"}).status_code == 200


def test_the_websocket_refuses_another_origin_and_serves_its_own(open_client: TestClient) -> None:
    trigger(open_client)
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        open_client.websocket_connect(WS, headers={"Origin": EVIL}),
    ):
        pass
    assert refused.value.code == 1008 and refused.value.reason.startswith("a WebSocket from the origin")
    with (
        pytest.raises(WebSocketDisconnect) as rebound,
        open_client.websocket_connect(
            WS, headers={"Host": "evil.example:5000", "Origin": "http://evil.example:5000"}
        ),
    ):
        pass
    assert rebound.value.code == 1008 and rebound.value.reason.startswith("the Host header")
    for headers in ({"Origin": HOLDOFF}, {}):
        with open_client.websocket_connect(WS, headers=headers) as socket:
            frame = socket.receive_json()
        assert frame["type"] == "snapshot" and len(frame["alerts"]) == 1


def test_an_action_link_button_still_works_when_the_browser_sends_origin_null(
    open_client: TestClient,
) -> None:
    response = open_client.post(
        "/actions/not-a-real-token-at-all", data={"by": "x"}, headers={"Origin": "null"}
    )
    assert "This link cannot be used" in response.text  # the link's own answer, not the Origin check's


def test_all_addresses_without_allowed_hosts_is_a_configuration_warning(tmp_path: Path) -> None:
    everywhere = Settings(database_url=f"sqlite:///{tmp_path / 'holdoff.db'}", host="0.0.0.0")
    listed = Settings(
        database_url=f"sqlite:///{tmp_path / 'holdoff.db'}",
        host="0.0.0.0",
        allowed_hosts=["holdoff.example.com"],
    )

    found = {w.code: w.message for w in config_warnings(everywhere, credentials_exist=True)}

    assert "any Host header is accepted" in found["any-host"] and "HOLDOFF_ALLOWED_HOSTS" in found["any-host"]
    assert "any-host" not in {w.code for w in config_warnings(listed, credentials_exist=True)}


# --------------------------------------------------------------------------- protected mode


def test_protected_mode_refuses_another_origin_even_with_a_valid_token(database_url: str) -> None:
    with secured_app(database_url) as secured:
        alert_id = secured.alert()
        headers = secured.auth(Role.OPERATOR)
        refused = secured.client.post(f"/alerts/{alert_id}/suppress", headers=headers | {"Origin": EVIL})
        assert refused.status_code == 403 and "HOLDOFF_ALLOWED_ORIGINS" in refused.text
        own = secured.client.post(
            f"/alerts/{alert_id}/suppress", headers=headers | {"Origin": "https://holdoff.test"}
        )
        assert own.status_code == 200 and own.json()["state"] == "suppressed"
        assert secured.client.get("/alerts", headers=headers | {"Host": "evil.example"}).status_code == 400
