"""An in-process Holdoff with credentials: one API token per role and a user per role, fake clock."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.auth.access import AccessControl
from holdoff.auth.roles import Role
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from tests.auth.conftest import FAST_HASHER
from tests.service.helpers import FakeClock

PASSWORD = "correct horse battery"
USERS = {Role.VIEWER: "vera", Role.OPERATOR: "otto", Role.ADMIN: "ada"}


@dataclass
class Secured:
    client: TestClient
    access: AccessControl
    clock: FakeClock
    tokens: dict[Role, str] = field(default_factory=dict)
    token_ids: dict[Role, str] = field(default_factory=dict)

    def auth(self, role: Role | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role is not None else {}

    def alert(self, fingerprint: str = "cpu-1") -> int:
        """Trigger an alert through the (unauthenticated) Coralogix webhook; its id."""
        body = {"alert_id": fingerprint, "alert_name": "CPU Spike", "alert_action": "TRIGGERED"}
        response = self.client.post("/coralogix/webhook", json=body)
        assert response.status_code == 202, response.text
        return int(response.json()["alert_id"])

    def login(self, role: Role, password: str = PASSWORD) -> str:
        """Log in through the form as the user of ``role``; the session's CSRF token."""
        self.client.cookies.clear()
        response = self.client.post(
            "/login",
            data={
                "username": USERS[role],
                "password": password,
                "csrf_token": self.login_csrf(),
                "next": "/me",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        me = self.client.get("/me").json()
        assert me["how"] == "session"
        return str(me["csrf_token"])

    def login_csrf(self) -> str:
        page = self.client.get("/login")
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match is not None, page.text
        return match.group(1)


@contextmanager
def secured_app(
    database_url: str,
    *,
    host: str = "127.0.0.1",
    public_url: str = "https://holdoff.test",
    credentials: bool = True,
) -> Iterator[Secured]:
    clock = FakeClock()
    settings = Settings(
        database_url=database_url,
        grace_seconds=600,
        public_url=public_url,
        host=host,
        allowed_hosts=["testserver"],  # Starlette's test client opens every WebSocket to ws://testserver
    )
    runtime = Runtime(settings, channels={}, clock=clock, run_workers=False)
    app = create_app(runtime)
    with TestClient(app, base_url=public_url) as client:  # reached at its public URL (the Host check)
        access: AccessControl = app.state.access
        access.users.hasher = FAST_HASHER
        secured = Secured(client, access, clock)
        if credentials:
            for role in Role:
                info, token = access.tokens.create(f"{role}-bot", role)
                secured.tokens[role], secured.token_ids[role] = token, info.id
                access.users.create(USERS[role], role, PASSWORD)
        access.forget()
        yield secured
