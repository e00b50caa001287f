"""Correlation on the service's paging path, through the real app on SQLite with an injected clock: a root
alert from Alertmanager and a symptom from Coralogix page once (the symptom is a CORRELATED update of the
root's incident, threaded under its page); with correlation off they page twice; an operator's split holds
when the symptom comes back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from holdoff.api.app import create_app
from holdoff.correlate.model import ReasonKind
from holdoff.runtime import Runtime
from holdoff.store import correlation as correlation_store
from holdoff.store.tables import incidents, notifications
from tests.service.helpers import FakeClock, make_settings
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

TOPOLOGY = {"topology": {"checkout": ["payments-db"]}}
CHANNELS = [
    {"name": "pager", "type": "pagerduty", "routing_key": "r" * 32, "events_url": "http://127.0.0.1:9/"}
]
EVERY_PAGE = ["pager", "teams"]
ROUTES = [
    {
        "name": "services",
        "match": '{service=~".+"}',
        "channels": {
            "escalated": EVERY_PAGE,
            "reminder": EVERY_PAGE,
            "resolved": EVERY_PAGE,
            "transient_resolved": ["teams"],
        },
    }
]


@dataclass
class App:
    client: TestClient
    runtime: Runtime
    clock: FakeClock

    def postgres_down(self) -> None:
        alert = {
            "status": "firing",
            "labels": {"alertname": "PostgresDown", "service": "payments-db", "severity": "critical"},
            "annotations": {},
            "startsAt": self.clock().isoformat(),
            "endsAt": "0001-01-01T00:00:00Z",
        }
        body = {"version": "4", "status": "firing", "receiver": "holdoff", "alerts": [alert]}
        assert self.client.post("/webhooks/alertmanager", json=body).status_code == 202

    def checkout_errors(self, action: str = "TRIGGERED") -> None:
        body = {"alert_id": "cx-checkout", "alert_name": "Checkout errors", "alert_action": action}
        body["service"] = "checkout"
        assert self.client.post("/coralogix/webhook", json=body).status_code == 202

    def after(self, seconds: float) -> None:
        """Let ``seconds`` pass and fire the timers that came due."""
        self.clock.advance(seconds)
        self.runtime.mediator.fire_due()

    def outbox(self) -> list[dict[str, Any]]:
        with self.runtime.db.read() as conn:
            query = select(notifications).order_by(notifications.c.id)
            return [dict(row) for row in conn.execute(query).mappings()]

    def pages(self) -> list[dict[str, Any]]:
        return [row for row in self.outbox() if row["channel"] == "pager" and row["kind"] == "escalated"]

    def incident_id(self, service: str, state: str = "open") -> int:
        with self.runtime.db.read() as conn:
            query = select(incidents.c.id, incidents.c.labels, incidents.c.state).order_by(incidents.c.id)
            found = [row.id for row in conn.execute(query) if row.labels == {"service": service}]
            states = {row.id: row.state for row in conn.execute(query)}
        return [i for i in found if states[i] == state][-1]


def _app(
    database_url: str, teams: TeamsReceiver, smtp: SmtpSink, correlation: dict[str, Any]
) -> Iterator[App]:
    clock = FakeClock()
    settings = make_settings(
        database_url,
        teams,
        smtp,
        grace_seconds=60,
        group_by=["service"],
        group_wait="0s",
        routes=ROUTES,
        channels=CHANNELS,
        correlation=correlation,
    )
    runtime = Runtime(settings, clock=clock, run_workers=False)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        yield App(client, runtime, clock)


@pytest.fixture
def app(database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink) -> Iterator[App]:
    yield from _app(database_url, teams_receiver, smtp_sink, TOPOLOGY)


@pytest.fixture
def uncorrelated(database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink) -> Iterator[App]:
    yield from _app(database_url, teams_receiver, smtp_sink, {**TOPOLOGY, "enabled": False})


def cascade(app: App) -> None:
    """PostgresDown, then checkout errors 40 s later; both outlive their grace window."""
    app.postgres_down()
    app.clock.advance(40)
    app.checkout_errors()
    app.after(20)  # PostgresDown escalates and pages
    app.after(40)  # checkout escalates


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_symptom_from_another_source_joins_the_root_incident_and_pages_once(app: App) -> None:
    cascade(app)
    root = app.incident_id("payments-db")
    symptom = app.incident_id("checkout")
    pages = app.pages()
    assert [row["incident_id"] for row in pages] == [root]
    updates = [row for row in app.outbox() if row["kind"] == "correlated"]
    assert [(row["incident_id"], row["channel"]) for row in updates] == [(symptom, "teams")]
    message = updates[0]["message"]
    assert message["title"] == (
        f"Correlated: Checkout errors (service=checkout) joined incident #{root} PostgresDown"
    )
    facts = {fact["name"]: fact["value"] for fact in message["facts"]}
    assert facts["Correlated"] == "+1 symptom on checkout"
    assert facts["Probable root"].startswith("payments-db (started first, infrastructure")
    assert facts["Why joined"] == "started 40s after payments-db; checkout depends on payments-db (topology)"
    assert message["url"] == f"https://holdoff.example.test/ui/incidents/{root}"
    assert message["thread_incident"] == root
    with app.runtime.db.read() as conn:
        members = correlation_store.members(conn, root)
    assert [(m.incident_id, m.member.source, m.member.service) for m in members] == [
        (root, "alertmanager", "payments-db"),
        (symptom, "coralogix", "checkout"),
    ]
    assert ReasonKind.TOPOLOGY in {reason.kind for reason in members[1].reasons}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_root_incident_resolution_names_its_symptoms_and_root(app: App) -> None:
    cascade(app)
    root = app.incident_id("payments-db")
    alert = {
        "status": "resolved",
        "labels": {"alertname": "PostgresDown", "service": "payments-db", "severity": "critical"},
        "annotations": {},
        "startsAt": app.clock().isoformat(),
        "endsAt": app.clock().isoformat(),
    }
    body = {"version": "4", "status": "resolved", "receiver": "holdoff", "alerts": [alert]}
    assert app.client.post("/webhooks/alertmanager", json=body).status_code == 202
    app.after(300)  # the incident's group_interval since its page
    resolved = [r for r in app.outbox() if r["kind"] == "resolved" and r["incident_id"] == root]
    assert resolved, app.outbox()
    facts = {fact["name"]: fact["value"] for fact in resolved[0]["message"]["facts"]}
    assert facts["Correlated"] == "+1 symptom on checkout"
    assert facts["Probable root"].startswith("payments-db")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_with_correlation_off_the_symptom_pages_too(uncorrelated: App) -> None:
    cascade(uncorrelated)
    assert len(uncorrelated.pages()) == 2
    assert [row for row in uncorrelated.outbox() if row["kind"] == "correlated"] == []
    with uncorrelated.runtime.db.read() as conn:
        assert correlation_store.open_incidents(conn) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_split_holds_when_the_symptom_comes_back(app: App) -> None:
    cascade(app)
    root = app.incident_id("payments-db")
    symptom = app.incident_id("checkout")
    with app.runtime.db.transaction() as conn:
        correlation_store.split(conn, symptom, "alice", app.clock())
    app.checkout_errors("RESOLVED")
    app.after(300)  # its resolution goes out after the group_interval, and the group incident closes
    app.checkout_errors()  # a new occurrence: a new group incident for checkout
    app.after(61)
    again = app.incident_id("checkout")
    assert again != symptom
    assert [row["incident_id"] for row in app.pages()] == [root, again]
    with app.runtime.db.read() as conn:
        assert correlation_store.lead_of(conn, again) == again
        (member,) = correlation_store.members(conn, again)
    assert ReasonKind.SPLIT in {reason.kind for reason in member.reasons}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_group_that_paged_alone_moves_into_the_incident_its_new_alert_belongs_to(app: App) -> None:
    app.checkout_errors()  # a long-lived checkout alert: pages alone
    app.after(60)
    alone = app.incident_id("checkout")
    app.clock.advance(640)  # more than the correlation window later
    app.postgres_down()
    app.clock.advance(20)
    body = {"alert_id": "cx-checkout-2", "alert_name": "Checkout latency", "alert_action": "TRIGGERED"}
    assert app.client.post("/coralogix/webhook", json={**body, "service": "checkout"}).status_code == 202
    app.after(40)  # PostgresDown pages on its own (checkout's first alert started too long before)
    root = app.incident_id("payments-db")
    app.after(20)  # checkout's new alert escalates: it belongs to the database's incident
    assert [row["incident_id"] for row in app.pages()] == [alone, root]
    updates = [row for row in app.outbox() if row["kind"] == "correlated"]
    assert [row["incident_id"] for row in updates] == [alone]
    assert updates[0]["message"]["title"].endswith(f"joined incident #{root} PostgresDown")
    with app.runtime.db.read() as conn:
        assert correlation_store.lead_of(conn, alone) == root
        assert [m.incident_id for m in correlation_store.members(conn, root)] == [root, alone]


@pytest.fixture
def plain(database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink) -> Iterator[App]:
    yield from _app(database_url, teams_receiver, smtp_sink, {})


def fire(app: App, name: str, service: str) -> None:
    alert = {
        "status": "firing",
        "labels": {"alertname": name, "service": service, "cluster": "eu-1", "severity": "high"},
        "annotations": {},
        "startsAt": app.clock().isoformat(),
        "endsAt": "0001-01-01T00:00:00Z",
    }
    body = {"version": "4", "status": "firing", "receiver": "holdoff", "alerts": [alert]}
    assert app.client.post("/webhooks/alertmanager", json=body).status_code == 202


def two_services_in_one_cluster(app: App) -> None:
    fire(app, "HighLatency", "search")
    app.clock.advance(30)
    fire(app, "HighErrorRate", "billing")
    app.after(30)  # search escalates and pages
    app.after(30)  # billing escalates


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_same_cluster_wide_change_joins_two_unrelated_services(plain: App) -> None:
    push = {
        "type": "config",
        "service": "mesh",
        "at": plain.clock().isoformat(),
        "summary": "service mesh config pushed to eu-1",
        "labels": {"cluster": "eu-1"},
    }
    assert plain.client.post("/events", json=push).status_code == 201
    plain.clock.advance(60)
    two_services_in_one_cluster(plain)
    assert [row["incident_id"] for row in plain.pages()] == [plain.incident_id("search")]
    updates = [row for row in plain.outbox() if row["kind"] == "correlated"]
    assert [row["incident_id"] for row in updates] == [plain.incident_id("billing")]
    facts = {fact["name"]: fact["value"] for fact in updates[0]["message"]["facts"]}
    assert "same change event" in facts["Why joined"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_the_change_the_two_services_page_on_their_own(plain: App) -> None:
    two_services_in_one_cluster(plain)  # sharing a cluster alone (0.15) is not enough
    assert len(plain.pages()) == 2
    assert not [row for row in plain.outbox() if row["kind"] == "correlated"]
