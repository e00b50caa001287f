"""Dashboard login: the form and its CSRF token, the session cookie, the same answer for every name,
throttling per name and address, unlock, logout, forged sessions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi import Depends, FastAPI, WebSocket
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from holdoff.api.auth import Principal, require_page, require_ws
from holdoff.auth.roles import Role
from holdoff.auth.sessions import COOKIE, IDLE
from holdoff.auth.throttle import PER_USER
from tests.api.access_support import PASSWORD, USERS, Secured, secured_app


@pytest.fixture
def secured(database_url: str) -> Iterator[Secured]:
    with secured_app(database_url) as app:
        yield app


def _form(secured: Secured, user: str = "otto", password: str = PASSWORD, **extra: str) -> dict[str, str]:
    return {"username": user, "password": password, "csrf_token": secured.login_csrf(), **extra}


def test_the_login_page_is_a_form_with_a_csrf_token(secured: Secured) -> None:
    page = secured.client.get("/login", params={"next": "/ui/silences"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<form method="post" action="/login">' in page.text
    assert 'name="next" value="/ui/silences"' in page.text
    assert "open mode" not in page.text
    cookie = page.headers["set-cookie"]
    assert "holdoff_login_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_logging_in_sets_a_secure_session_cookie_and_goes_to_next(secured: Secured) -> None:
    response = secured.client.post(
        "/login", data=_form(secured, next="/alerts?status=pending"), follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/alerts?status=pending"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
    assert all(part in cookie for part in ("HttpOnly", "SameSite=lax", "Secure", "Path=/"))
    me = secured.client.get("/me").json()
    assert (me["name"], me["role"], me["how"]) == ("otto", "operator", "session")
    assert len(me["csrf_token"]) >= 32


def test_the_cookie_is_not_secure_when_holdoff_is_reached_over_http(database_url: str) -> None:
    with secured_app(database_url, public_url="http://holdoff.test") as plain:
        response = plain.client.post("/login", data=_form(plain), follow_redirects=False)
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
        assert "Secure" not in cookie and "HttpOnly" in cookie


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "alerts"])
def test_next_never_leaves_the_site(secured: Secured, target: str) -> None:
    response = secured.client.post("/login", data=_form(secured, next=target), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_a_wrong_password_is_refused_and_audited(secured: Secured) -> None:
    response = secured.client.post("/login", data=_form(secured, password="guess"), follow_redirects=False)
    assert response.status_code == 401 and "wrong user name or password" in response.text
    assert COOKIE not in secured.client.cookies
    [entry] = secured.client.get("/audit", headers=secured.auth(Role.ADMIN)).json()["items"]
    assert (entry["who"], entry["via"], entry["path"], entry["status"]) == ("otto", "login", "/login", 401)


def test_a_login_without_the_form_token_is_refused(secured: Secured) -> None:
    secured.login_csrf()  # the cookie is set, but the form carries another value
    form = {"username": "otto", "password": PASSWORD, "csrf_token": "made-up"}
    response = secured.client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 403 and "try again" in response.text
    assert COOKIE not in secured.client.cookies


def _without_token(page: str) -> str:
    """A login page with its (random) form token taken out, to compare two answers."""
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', page)


def _other_address(secured: Secured, address: str) -> Secured:
    """The same service seen from another client address (another browser, another machine)."""
    client = TestClient(secured.client.app, base_url=str(secured.client.base_url), client=(address, 50000))
    return replace(secured, client=client)


def test_an_unknown_and_a_known_user_get_the_same_answer(secured: Secured) -> None:
    known = secured.client.post("/login", data=_form(secured, password="guess"), follow_redirects=False)
    unknown = secured.client.post("/login", data=_form(secured, user="mallory"), follow_redirects=False)
    assert known.status_code == unknown.status_code == 401
    assert _without_token(known.text) == _without_token(unknown.text)
    assert "wrong user name or password" in known.text
    assert known.headers.keys() == unknown.headers.keys()


def test_a_tried_name_the_database_cannot_store_is_audited_cleaned(secured: Secured) -> None:
    response = secured.client.post("/login", data=_form(secured, user="mal\x00lory"))
    assert response.status_code == 401 and "wrong user name or password" in response.text
    [entry] = secured.client.get("/audit", headers=secured.auth(Role.ADMIN)).json()["items"]
    assert (entry["who"], entry["status"]) == ("mal\ufffdlory", 401)


def test_failed_logins_slow_down_that_address_with_growing_delays(secured: Secured) -> None:
    for _ in range(PER_USER.free):
        assert secured.client.post("/login", data=_form(secured, password="guess")).status_code == 401
    waits = []
    for _ in range(4):
        throttled = secured.client.post("/login", data=_form(secured))  # the right password waits too
        assert throttled.status_code == 429
        assert "too many failed logins from this address" in throttled.text
        waits.append(int(throttled.headers["retry-after"]))
        secured.clock.advance(waits[-1])
        assert secured.client.post("/login", data=_form(secured, password="guess")).status_code == 401
    assert waits == [1, 2, 4, 8]
    secured.clock.advance(16)
    assert secured.client.post("/login", data=_form(secured), follow_redirects=False).status_code == 303


def test_a_throttled_known_and_unknown_user_get_the_same_answer(secured: Secured) -> None:
    answers = {}
    for name in ("otto", "mallory"):
        for _ in range(PER_USER.free):
            secured.client.post("/login", data=_form(secured, user=name, password="guess"))
        answers[name] = secured.client.post("/login", data=_form(secured, user=name))
    known, unknown = answers["otto"], answers["mallory"]
    assert known.status_code == unknown.status_code == 429
    assert known.headers["retry-after"] == unknown.headers["retry-after"] == "1"
    assert _without_token(known.text) == _without_token(unknown.text)


def test_an_attacker_cannot_keep_an_admin_out_from_another_address(secured: Secured) -> None:
    attacker = _other_address(secured, "203.0.113.9")
    for attempt in range(PER_USER.free + 5):  # waiting out every delay
        secured.clock.advance(60 if attempt else 0)
        failed = attacker.client.post("/login", data=_form(attacker, user="ada", password="guess"))
        assert failed.status_code == 401
    throttled = attacker.client.post("/login", data=_form(attacker, user="ada"), follow_redirects=False)
    assert throttled.status_code == 429 and throttled.headers["retry-after"] == "32"
    admin = _other_address(secured, "198.51.100.7")
    response = admin.client.post("/login", data=_form(admin, user="ada"), follow_redirects=False)
    assert response.status_code == 303
    failures = [
        e
        for e in secured.client.get("/audit", headers=secured.auth(Role.ADMIN)).json()["items"]
        if e["path"] == "/login" and e["status"] != 303
    ]
    assert {(e["who"], e["via"], e["status"]) for e in failures} == {
        ("ada", "login", 401),
        ("ada", "login", 429),
    }


def test_an_admin_unlocks_a_throttled_user(secured: Secured) -> None:
    for _ in range(PER_USER.free):
        secured.client.post("/login", data=_form(secured, password="guess"))
    assert secured.client.post("/login", data=_form(secured)).status_code == 429
    refused = secured.client.post("/admin/users/otto/unlock", headers=secured.auth(Role.OPERATOR))
    assert refused.status_code == 403 and "needs the admin role" in refused.json()["detail"]
    done = secured.client.post("/admin/users/otto/unlock", headers=secured.auth(Role.ADMIN))
    assert done.status_code == 200 and done.json() == {"name": "otto", "cleared": 1}
    unknown = secured.client.post("/admin/users/carol/unlock", headers=secured.auth(Role.ADMIN))
    assert unknown.status_code == 404 and "no user named 'carol'" in unknown.json()["detail"]
    odd = secured.client.post("/admin/users/a%00b/unlock", headers=secured.auth(Role.ADMIN))
    assert odd.status_code == 404  # no user could have this name: it is not looked up
    assert secured.client.post("/login", data=_form(secured), follow_redirects=False).status_code == 303
    audit = secured.client.get("/audit", headers=secured.auth(Role.ADMIN)).json()["items"]
    unlocks = [(e["who"], e["status"]) for e in audit if e["path"].endswith("/unlock")]
    assert unlocks == [
        ("token admin-bot", 404),
        ("token admin-bot", 404),
        ("token admin-bot", 200),
        ("token operator-bot", 403),
    ]


def test_a_session_must_send_its_csrf_token_to_change_anything(secured: Secured) -> None:
    alert_id = secured.alert()
    csrf = secured.login(Role.OPERATOR)
    url = f"/alerts/{alert_id}/acknowledge"
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": ""}):
        refused = secured.client.post(url, headers=headers)
        assert refused.status_code == 403 and "CSRF token" in refused.json()["detail"]
    assert secured.client.get(f"/alerts/{alert_id}").json()["state"] == "pending"  # reading needs none
    assert secured.client.post(url, headers={"X-CSRF-Token": csrf}).status_code == 200


def test_a_viewer_session_cannot_act(secured: Secured) -> None:
    alert_id = secured.alert()
    csrf = secured.login(Role.VIEWER)
    refused = secured.client.post(f"/alerts/{alert_id}/acknowledge", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403 and "vera has the viewer role" in refused.json()["detail"]


def test_a_forged_session_is_refused(secured: Secured) -> None:
    secured.client.cookies.set(COOKIE, "forged-session-id-forged-session-id-forged")
    response = secured.client.get("/alerts")
    assert response.status_code == 401 and "log in again" in response.json()["detail"]


def test_an_expired_session_is_refused(secured: Secured) -> None:
    secured.login(Role.ADMIN)
    assert secured.client.get("/alerts").status_code == 200
    secured.clock.advance(IDLE.total_seconds())
    assert secured.client.get("/alerts").status_code == 401


def test_logout_needs_the_csrf_token_and_ends_the_session(secured: Secured) -> None:
    csrf = secured.login(Role.ADMIN)
    session_id = secured.client.cookies[COOKIE]
    assert secured.client.post("/logout", follow_redirects=False).status_code == 403
    assert secured.client.get("/me").status_code == 200  # still logged in
    response = secured.client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert COOKIE not in secured.client.cookies
    secured.client.cookies.set(COOKIE, session_id)  # replaying the old cookie does not work
    assert secured.client.get("/me").status_code == 401
    assert secured.client.post("/logout", follow_redirects=False).status_code == 303  # nothing left to end


def test_session_logins_and_changes_are_audited_under_the_users_name(secured: Secured) -> None:
    alert_id = secured.alert()
    csrf = secured.login(Role.OPERATOR)
    secured.client.post(f"/alerts/{alert_id}/acknowledge", headers={"X-CSRF-Token": csrf})
    secured.client.cookies.clear()
    items = secured.client.get("/audit", headers=secured.auth(Role.ADMIN)).json()["items"]
    seen = [(e["who"], e["via"], e["role"], e["path"], e["status"]) for e in items]
    assert seen == [
        ("otto", "session", "operator", f"/alerts/{alert_id}/acknowledge", 200),
        ("otto", "login", "operator", "/login", 303),
    ]


def test_a_page_sends_a_browser_without_credentials_to_the_login_form(secured: Secured) -> None:
    app = secured.client.app
    assert isinstance(app, FastAPI)

    async def page(principal: Principal = Depends(require_page(Role.VIEWER))) -> dict[str, str]:  # noqa: B008
        return {"hello": principal.name}

    app.add_api_route("/test-page", page, methods=["GET"])
    response = secured.client.get("/test-page", params={"tab": "open"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Ftest-page%3Ftab%3Dopen"
    secured.login(Role.VIEWER)
    assert secured.client.get("/test-page").json() == {"hello": USERS[Role.VIEWER]}


def test_a_websocket_needs_credentials_and_a_session_from_this_origin(secured: Secured) -> None:
    app = secured.client.app
    assert isinstance(app, FastAPI)

    async def feed(websocket: WebSocket, principal: Principal = Depends(require_ws(Role.VIEWER))) -> None:  # noqa: B008
        await websocket.accept()
        await websocket.send_json({"hello": principal.name})
        await websocket.close()

    app.add_api_websocket_route("/test-ws", feed)
    with pytest.raises(WebSocketDisconnect) as refused, secured.client.websocket_connect("/test-ws"):
        pass
    assert refused.value.code == 1008
    with secured.client.websocket_connect("/test-ws", headers=secured.auth(Role.VIEWER)) as ws:
        assert ws.receive_json() == {"hello": "token viewer-bot"}
    secured.login(Role.VIEWER)
    cookie = f"{COOKIE}={secured.client.cookies[COOKIE]}"  # the test client sends no cookies to ws://
    with secured.client.websocket_connect(
        "/test-ws", headers={"Origin": "https://holdoff.test", "Cookie": cookie}
    ) as ws:
        assert ws.receive_json() == {"hello": "vera"}
    with (
        pytest.raises(WebSocketDisconnect),
        secured.client.websocket_connect(
            "/test-ws", headers={"Origin": "https://evil.example", "Cookie": cookie}
        ),
    ):
        pass
