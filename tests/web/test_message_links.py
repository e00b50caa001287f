"""The "Open in Holdoff" link of every message opens the alert's (or incident's) dashboard page; in
protected mode a browser without a session goes through the login and lands on that page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from holdoff.auth.roles import Role
from holdoff.mediate.grouping import IncidentNotify, IncidentRecord, IncidentState, Pending
from holdoff.mediate.model import AlertRecord, AlertState, NotificationKind
from holdoff.notify.message import render, render_digest, render_incident
from tests.api.access_support import PASSWORD, USERS, Secured, secured_app

PUBLIC_URL = "https://holdoff.test"
BROWSER = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def secured(database_url: str) -> Iterator[Secured]:
    with secured_app(database_url, public_url=PUBLIC_URL) as app:
        yield app


def _link(alert_id: int) -> str:
    now = datetime(2026, 1, 14, 3, tzinfo=UTC)
    record = AlertRecord(
        source="coralogix",
        fingerprint="cpu-1",
        name="CPU Spike",
        state=AlertState.ESCALATED,
        occurrence=1,
        opened_at=now,
    )
    message = render(alert_id, record, NotificationKind.ESCALATED, now, PUBLIC_URL)
    assert message.api_url == f"{PUBLIC_URL}/alerts/{alert_id}"
    return message.url


def _field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found is not None, page
    return found.group(1)


def test_the_message_link_is_the_alerts_dashboard_page(secured: Secured) -> None:
    alert_id = secured.alert()
    assert _link(alert_id) == f"{PUBLIC_URL}/ui/alerts/{alert_id}"


def test_an_incident_message_links_its_page_and_a_digest_the_dashboard() -> None:
    now = datetime(2026, 1, 14, 3, tzinfo=UTC)
    pending = Pending(
        alert="coralogix/cpu-1", name="CPU Spike", kind=NotificationKind.ESCALATED, channels=(), at=now
    )
    incident = IncidentRecord(
        key="k",
        route="default",
        labels={"team": "db"},
        title="CPU Spike (team=db)",
        state=IncidentState.OPEN,
        opened_at=now,
        firing=frozenset({pending.alert}),
        alerts=1,
    )
    notify = IncidentNotify(
        kind=NotificationKind.ESCALATED, channels=("email",), sequence=0, alerts=(pending,)
    )

    about_incident = render_incident(3, incident, notify, now, PUBLIC_URL + "/")
    digest = render_digest("email", [(now, "CPU Spike resolved on its own")], now, PUBLIC_URL)

    assert (about_incident.url, about_incident.api_url) == (
        f"{PUBLIC_URL}/ui/incidents/3",
        f"{PUBLIC_URL}/incidents/3",
    )
    assert (digest.url, digest.api_url) == (f"{PUBLIC_URL}/", None)


def test_without_a_session_the_link_goes_through_the_login_and_back_to_the_alert(secured: Secured) -> None:
    alert_id = secured.alert()
    path = urlsplit(_link(alert_id)).path
    client = secured.client

    first = client.get(path, headers=BROWSER, follow_redirects=False)

    assert first.status_code == 303
    assert first.headers["location"] == f"/login?next=%2Fui%2Falerts%2F{alert_id}"
    login_page = client.get(first.headers["location"], headers=BROWSER)
    assert login_page.status_code == 200
    assert _field(login_page.text, "next") == f"/ui/alerts/{alert_id}"
    logged_in = client.post(
        "/login",
        data={
            "username": USERS[Role.VIEWER],
            "password": PASSWORD,
            "csrf_token": _field(login_page.text, "csrf_token"),
            "next": _field(login_page.text, "next"),
        },
        follow_redirects=False,
    )
    assert logged_in.status_code == 303
    assert logged_in.headers["location"] == f"/ui/alerts/{alert_id}"
    page = client.get(logged_in.headers["location"], headers=BROWSER)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "CPU Spike" in page.text


def test_the_api_address_still_answers_json_to_a_token(secured: Secured) -> None:
    alert_id = secured.alert()
    answer = secured.client.get(f"/alerts/{alert_id}", headers=secured.auth(Role.VIEWER))
    assert answer.status_code == 200 and answer.json()["id"] == alert_id
