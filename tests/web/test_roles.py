"""The dashboard offers each role only what it may do: a viewer sees no action, an operator the
operator's actions but not the admin's, an admin everything; the alert page's audit box says the truth
in open and protected mode."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.auth.access import AccessControl
from holdoff.auth.roles import Role
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from tests.service.helpers import FakeClock

PUBLIC_URL = "https://holdoff.test"
HTML = {"Accept": "text/html"}
ACTION = re.compile(r'<button[^>]*data-url="[^"]+"')
"""Any button that calls the API (Ack, Suppress, Resolve, Expire, Acknowledge all)."""


@dataclass
class Site:
    client: TestClient
    tokens: dict[Role, str]
    alert_id: int
    incident_id: int

    def page(self, role: Role, path: str) -> str:
        response = self.client.get(path, headers={**HTML, "Authorization": f"Bearer {self.tokens[role]}"})
        assert response.status_code == 200, response.text
        return response.text


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    """A protected Holdoff (a token per role) with a pending alert in an incident and an active silence."""
    settings = Settings(
        database_url=database_url,
        grace_seconds=600,
        public_url=PUBLIC_URL,
        group_by=["cluster"],  # type: ignore[arg-type]
    )
    runtime = Runtime(settings, channels={}, clock=FakeClock(), run_workers=False)
    app = create_app(runtime)
    with TestClient(app, base_url=PUBLIC_URL) as client:
        access: AccessControl = app.state.access
        tokens = {role: access.tokens.create(f"{role}-bot", role)[1] for role in Role}
        access.forget()
        admin = {"Authorization": f"Bearer {tokens[Role.ADMIN]}"}
        firing = {
            "status": "firing",
            "labels": {"alertname": "NodeDown", "cluster": "eu-1"},
            "annotations": {},
        }
        webhook = {"version": "4", "status": "firing", "receiver": "holdoff", "alerts": [firing]}
        assert client.post("/webhooks/alertmanager", json=webhook).status_code == 202
        [alert] = client.get("/alerts", headers=admin).json()["items"]
        [incident] = client.get("/incidents", headers=admin).json()["items"]
        silence = {"matchers": '{alertname="Other"}', "duration": "1h", "created_by": "ada", "comment": "c"}
        assert client.post("/silences", json=silence, headers=admin).status_code == 201
        yield Site(client, tokens, alert["id"], incident["id"])


def test_a_viewer_is_offered_no_action(site: Site) -> None:
    home = site.page(Role.VIEWER, "/")
    assert '<body data-role="viewer">' in home
    assert "NodeDown" in home and not ACTION.search(home)
    assert "<kbd>a</kbd> acks" not in home
    alert = site.page(Role.VIEWER, f"/ui/alerts/{site.alert_id}")
    assert "NodeDown" in alert and not ACTION.search(alert)
    assert 'id="alert-actions"' not in alert and "Silence like this" not in alert
    incident = site.page(Role.VIEWER, f"/ui/incidents/{site.incident_id}")
    assert "NodeDown" in incident and not ACTION.search(incident)
    assert "Acknowledge all firing alerts" not in incident
    silences = site.page(Role.VIEWER, "/ui/silences")
    assert "alertname=&#34;Other&#34;" in silences or "alertname=&quot;Other&quot;" in silences
    assert 'id="silence-form"' not in silences and not ACTION.search(silences)
    channels = site.page(Role.VIEWER, "/ui/channels")
    assert "Reload configuration" not in channels


def test_an_operator_is_offered_the_operators_actions_but_not_the_admins(site: Site) -> None:
    home = site.page(Role.OPERATOR, "/")
    assert '<body data-role="operator">' in home
    assert f'data-url="/alerts/{site.alert_id}/acknowledge"' in home
    assert f'data-url="/alerts/{site.alert_id}/suppress"' in home
    assert "<kbd>a</kbd> acks" in home
    alert = site.page(Role.OPERATOR, f"/ui/alerts/{site.alert_id}")
    for action in ("acknowledge", "suppress", "resolve"):
        assert f'data-url="/alerts/{site.alert_id}/{action}"' in alert, action
    assert "Silence like this" in alert
    incident = site.page(Role.OPERATOR, f"/ui/incidents/{site.incident_id}")
    assert f'data-url="/incidents/{site.incident_id}/acknowledge"' in incident
    silences = site.page(Role.OPERATOR, "/ui/silences")
    assert 'id="silence-form"' in silences and 'data-method="DELETE"' in silences
    assert "Reload configuration" not in site.page(Role.OPERATOR, "/ui/channels")


def test_an_admin_is_offered_everything(site: Site) -> None:
    home = site.page(Role.ADMIN, "/")
    assert '<body data-role="admin">' in home and ACTION.search(home)
    assert "Reload configuration" in site.page(Role.ADMIN, "/ui/channels")


def test_the_audit_box_says_who_may_see_it_in_protected_mode(site: Site) -> None:
    for role in (Role.VIEWER, Role.OPERATOR):
        alert = site.page(role, f"/ui/alerts/{site.alert_id}")
        assert "Only admins see the audit entries" in alert and 'id="audit"' not in alert
        assert "running open" not in alert.lower()
    admin = site.page(Role.ADMIN, f"/ui/alerts/{site.alert_id}")
    assert "No requests about this alert yet" in admin and "running open" not in admin.lower()
    headers = {"Authorization": f"Bearer {site.tokens[Role.OPERATOR]}"}
    assert site.client.post(f"/alerts/{site.alert_id}/acknowledge", headers=headers).status_code == 200
    admin = site.page(Role.ADMIN, f"/ui/alerts/{site.alert_id}")
    assert 'id="audit"' in admin and "token operator-bot" in admin


def test_open_mode_offers_every_action_and_says_it_runs_open(database_url: str) -> None:
    settings = Settings(database_url=database_url, grace_seconds=600, public_url="http://127.0.0.1:5000")
    runtime = Runtime(settings, channels={}, clock=FakeClock(), run_workers=False)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:5000") as client:
        body = {"alert_id": "a-1", "alert_name": "CPU Spike", "alert_action": "TRIGGERED"}
        alert_id = client.post("/coralogix/webhook", json=body).json()["alert_id"]
        home = client.get("/", headers=HTML).text
        assert '<body data-role="admin">' in home and f'data-url="/alerts/{alert_id}/acknowledge"' in home
        alert = client.get(f"/ui/alerts/{alert_id}", headers=HTML).text
        assert "Running open" in alert and "No requests about this alert yet" in alert
