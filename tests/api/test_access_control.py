"""Every endpoint for every role; tokens of one role cannot do another's work; open and protected mode."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import fastapi.routing
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import BaseRoute
from starlette.websockets import WebSocketDisconnect

from holdoff.auth.roles import Role
from tests.api.access_support import Secured, secured_app

# What each path needs, written down independently of the code under test. Anything not listed is
# read by viewers (GET) and changed by operators (other methods), so a new endpoint is covered at once.
PUBLIC = (
    "/health",
    "/ready",
    "/coralogix/",
    "/webhooks/",  # per-source ingest tokens
    "/actions/",  # signed, single-use links are their own permission
    "/login",
    "/logout",
    "/static",
    "/favicon.ico",
)
ADMIN = ("/admin/", "/audit", "/policy/reload", "/policy/validate")

NOT_YET_WIRED: set[tuple[str, str]] = set()
"""Endpoints not yet behind access control (none: keep it empty)."""

ROLES: list[Role | None] = [None, Role.VIEWER, Role.OPERATOR, Role.ADMIN]


@pytest.fixture
def secured(database_url: str) -> Iterator[Secured]:
    with secured_app(database_url) as app:
        yield app


@dataclass(frozen=True)
class Endpoint:
    method: str  # "WS" for a WebSocket
    path: str
    page: bool  # HTML for browsers: no credentials may be answered by a redirect to /login

    @property
    def url(self) -> str:
        return re.sub(r"\{[^}]+\}", "1", self.path)

    def needs(self) -> Role | None:
        if self.path.startswith(PUBLIC) or (self.path, self.method) == ("/", "GET"):
            return None  # "/" answers API clients a public index (links, version); browsers: see below
        if self.path.startswith(ADMIN):
            return Role.ADMIN
        return Role.VIEWER if self.method in ("GET", "HEAD", "WS") else Role.OPERATOR


def _flat(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """The application's routes, including those of included routers (FastAPI 0.16x nests them)."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    if contexts is None:
        yield from routes
        return
    for context in contexts(routes):
        yield context.original_route


def endpoints(app: FastAPI) -> list[Endpoint]:
    found = []
    for route in _flat(app.routes):
        if isinstance(route, APIWebSocketRoute):
            found.append(Endpoint("WS", route.path, page=False))
        elif isinstance(route, APIRoute):
            for method in sorted(route.methods or ()):
                page = method == "GET" and not route.include_in_schema
                found.append(Endpoint(method, route.path, page))
    return found


def _check(secured: Secured, endpoint: Endpoint, role: Role | None) -> str | None:
    """What is wrong with the answer to ``role`` calling ``endpoint``, or None."""
    needed = endpoint.needs()
    assert needed is not None
    headers = secured.auth(role)
    if endpoint.method == "WS":
        try:
            with secured.client.websocket_connect(endpoint.url, headers=headers) as ws:
                ws.close()
            allowed = True
        except WebSocketDisconnect:
            allowed = False
        return None if allowed == (role is not None and role.allows(needed)) else f"connected={allowed}"
    response = secured.client.request(
        endpoint.method,
        endpoint.url,
        headers=headers,
        json={} if endpoint.method in ("POST", "PUT", "PATCH") else None,
        follow_redirects=False,
    )
    code = response.status_code
    if role is None:
        if code == 401 and response.headers.get("www-authenticate") == "Bearer":
            return None
        if endpoint.page and code == 303 and response.headers["location"].startswith("/login"):
            return None
        return f"{code} without credentials (want 401 with WWW-Authenticate: Bearer)"
    if role.allows(needed):
        return None if code not in (401, 403) and code < 500 else f"{code} for {role}: {response.text[:200]}"
    if code == 403 and f"needs the {needed} role" in response.json()["detail"]:
        return None
    return f"{code} for {role} (want 403 naming the {needed} role)"


@pytest.mark.parametrize("role", ROLES, ids=lambda role: str(role or "none"))
def test_every_endpoint_answers_each_role_as_its_role_allows(secured: Secured, role: Role | None) -> None:
    secured.alert()  # so that id 1 exists for some endpoints
    app = secured.client.app
    assert isinstance(app, FastAPI)
    table = [e for e in endpoints(app) if e.needs() is not None and (e.method, e.path) not in NOT_YET_WIRED]
    assert len(table) >= 12, table  # alerts, incidents, silences, admin, me, audit at least
    wrong = {f"{e.method} {e.path}": problem for e in table if (problem := _check(secured, e, role))}
    assert wrong == {}


def test_a_viewer_token_reads_but_cannot_act(secured: Secured) -> None:
    alert_id = secured.alert()
    viewer = secured.auth(Role.VIEWER)
    assert secured.client.get(f"/alerts/{alert_id}", headers=viewer).status_code == 200
    refused = secured.client.post(f"/alerts/{alert_id}/acknowledge", headers=viewer)
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "this needs the operator role (or higher); token viewer-bot has the viewer role"
    )
    assert secured.client.get(f"/alerts/{alert_id}", headers=viewer).json()["state"] == "pending"


def test_an_operator_token_acts_on_alerts_but_cannot_administer(secured: Secured) -> None:
    alert_id = secured.alert()
    operator = secured.auth(Role.OPERATOR)
    acked = secured.client.post(f"/alerts/{alert_id}/acknowledge", headers=operator, json={"by": "alice"})
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    silence = {"matchers": '{alertname="CPU Spike"}', "duration": "1h", "created_by": "x", "comment": "ok"}
    created = secured.client.post("/silences", headers=operator, json=silence)
    assert created.status_code == 201 and created.json()["created_by"] == "x (token operator-bot)"
    for path in ("/admin/reload", "/audit"):
        method = "POST" if path.startswith("/admin") else "GET"
        refused = secured.client.request(method, path, headers=operator)
        assert refused.status_code == 403 and "needs the admin role" in refused.json()["detail"]


def test_an_admin_token_may_do_everything(secured: Secured) -> None:
    alert_id = secured.alert()
    admin = secured.auth(Role.ADMIN)
    assert secured.client.post(f"/alerts/{alert_id}/suppress", headers=admin).status_code == 200
    assert secured.client.get("/audit", headers=admin).status_code == 200
    assert secured.client.post("/admin/reload", headers=admin).status_code == 422  # not started from a file


def test_the_actor_in_the_timeline_is_the_authenticated_principal(secured: Secured) -> None:
    first, second = secured.alert("a"), secured.alert("b")
    secured.client.post(
        f"/alerts/{first}/acknowledge", headers=secured.auth(Role.OPERATOR), json={"by": "alice"}
    )
    assert secured.client.get(f"/alerts/{first}").status_code == 401
    detail = secured.client.get(f"/alerts/{first}", headers=secured.auth(Role.VIEWER)).json()
    assert detail["acknowledged_by"] == "alice (token operator-bot)"
    csrf = secured.login(Role.OPERATOR)
    response = secured.client.post(
        f"/alerts/{second}/acknowledge", json={"by": "somebody else"}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 200
    assert secured.client.get(f"/alerts/{second}").json()["acknowledged_by"] == "otto"


def test_a_revoked_token_is_refused(secured: Secured) -> None:
    secured.access.tokens.revoke(secured.token_ids[Role.ADMIN])
    response = secured.client.get("/alerts", headers=secured.auth(Role.ADMIN))
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert "revoked" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Bearer hld_0123456789ab_" + "x" * 43, "Bearer nonsense", "Basic YTpi"])
def test_a_made_up_credential_is_refused(secured: Secured, header: str) -> None:
    response = secured.client.get("/alerts", headers={"Authorization": header})
    assert response.status_code == 401


def test_every_change_is_audited_with_who_what_and_how_it_ended(secured: Secured) -> None:
    alert_id = secured.alert()
    secured.client.post(f"/alerts/{alert_id}/acknowledge", headers=secured.auth(Role.OPERATOR))
    secured.client.post(f"/alerts/{alert_id}/resolve", headers=secured.auth(Role.VIEWER))  # refused
    secured.client.get("/alerts", headers=secured.auth(Role.OPERATOR))  # reading is not audited
    page = secured.client.get("/audit", headers=secured.auth(Role.ADMIN), params={"limit": 10}).json()
    seen = [(e["who"], e["role"], e["method"], e["path"], e["target"], e["status"]) for e in page["items"]]
    assert seen == [
        ("token viewer-bot", "viewer", "POST", f"/alerts/{alert_id}/resolve", f"alert:{alert_id}", 403),
        (
            "token operator-bot",
            "operator",
            "POST",
            f"/alerts/{alert_id}/acknowledge",
            f"alert:{alert_id}",
            200,
        ),
    ]
    assert page["items"][0]["via"] == f"token {secured.token_ids[Role.VIEWER]}"
    assert page["items"][0]["at"].startswith("2026-01-14T03:00")
    only = secured.client.get("/audit", headers=secured.auth(Role.ADMIN), params={"target": "alert:999"})
    assert only.json()["items"] == []


def test_audit_pages_go_back_in_time(secured: Secured) -> None:
    for n in range(3):
        secured.client.post(f"/alerts/{secured.alert(str(n))}/acknowledge", headers=secured.auth(Role.ADMIN))
    admin = secured.auth(Role.ADMIN)
    first = secured.client.get("/audit", headers=admin, params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_before"] == first["items"][-1]["id"]
    rest = secured.client.get(
        "/audit", headers=admin, params={"limit": 2, "before": first["next_before"]}
    ).json()
    assert len(rest["items"]) == 1 and rest["next_before"] is None


def test_me_says_who_is_asking(secured: Secured) -> None:
    me = secured.client.get("/me", headers=secured.auth(Role.OPERATOR)).json()
    assert me == {"name": "token operator-bot", "role": "operator", "how": "token", "csrf_token": None}
    assert secured.client.get("/me").status_code == 401


def test_open_mode_on_loopback_needs_no_credentials(database_url: str) -> None:
    with secured_app(database_url, credentials=False) as open_app:
        client = open_app.client
        assert client.get("/me").json() == {
            "name": "anonymous",
            "role": "admin",
            "how": "open",
            "csrf_token": None,
        }
        alert_id = open_app.alert()
        acked = client.post(f"/alerts/{alert_id}/acknowledge", json={"by": "alice"})
        assert acked.status_code == 200
        assert client.get(f"/alerts/{alert_id}").json()["acknowledged_by"] == "alice"
        assert client.post("/admin/reload").status_code == 422
        [entry] = client.get("/audit").json()["items"][:1]
        assert (entry["who"], entry["via"], entry["status"]) == ("anonymous", "open", 422)


def test_a_public_address_without_credentials_lets_nobody_in(database_url: str) -> None:
    with secured_app(database_url, host="0.0.0.0", credentials=False) as public:
        assert public.client.get("/alerts").status_code == 401
        assert public.client.get("/health").status_code == 200


def test_open_mode_ends_when_the_first_token_is_made(database_url: str) -> None:
    with secured_app(database_url, credentials=False) as open_app:
        assert open_app.client.get("/alerts").status_code == 200
        open_app.access.tokens.create("me", Role.ADMIN)
        open_app.access.forget()  # the service checks again within a second by itself
        assert open_app.client.get("/alerts").status_code == 401


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_refuses_a_public_address_without_credentials(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "holdoff", "serve", "--host", "0.0.0.0", "--port", str(_free_port())],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "refusing to start: listening on 0.0.0.0" in result.stderr
    assert "holdoff token create --role admin --name me" in result.stderr
    assert "holdoff user create alice --role operator" in result.stderr


def test_the_dashboard_sends_a_browser_without_credentials_to_the_login_page(secured: Secured) -> None:
    for path in ("/", "/ui/silences", "/ui/alerts/1"):
        response = secured.client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")
    index = secured.client.get("/")
    assert index.status_code == 200 and index.json()["service"] == "holdoff"


def test_the_alert_detail_shows_its_audit_entries_to_admins_only(secured: Secured) -> None:
    alert_id = secured.alert()
    refused = secured.client.post(f"/alerts/{alert_id}/acknowledge", headers=secured.auth(Role.VIEWER))
    assert refused.status_code == 403
    done = secured.client.post(f"/alerts/{alert_id}/acknowledge", headers=secured.auth(Role.OPERATOR))
    assert done.status_code == 200
    detail = secured.client.get(f"/alerts/{alert_id}", headers=secured.auth(Role.ADMIN)).json()
    assert [(e["who"], e["role"], e["method"], e["status"]) for e in detail["audit"]] == [
        ("token operator-bot", "operator", "POST", 200),
        ("token viewer-bot", "viewer", "POST", 403),
    ]
    assert all(e["target"] == f"alert:{alert_id}" for e in detail["audit"])
    for role in (Role.VIEWER, Role.OPERATOR):  # GET /audit is admin-only: so is this part of the detail
        other = secured.client.get(f"/alerts/{alert_id}", headers=secured.auth(role)).json()
        assert other["audit"] == [] and other["timeline"], role
    page = secured.client.get(f"/ui/alerts/{alert_id}", headers=secured.auth(Role.ADMIN))
    assert page.status_code == 200 and "token operator-bot" in page.text and 'id="audit"' in page.text
    page = secured.client.get(f"/ui/alerts/{alert_id}", headers=secured.auth(Role.VIEWER))
    assert page.status_code == 200 and '<h2 id="audit-title">Audit</h2>' in page.text
    assert 'id="audit"' not in page.text and "Only admins see the audit entries" in page.text
    assert "running open" not in page.text.lower()
