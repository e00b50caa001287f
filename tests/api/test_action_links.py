"""Action links end to end: from the message in the outbox to the page and the button, once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from holdoff.api.app import create_app
from holdoff.mediate.model import Action, AlertEvent
from holdoff.runtime import Runtime
from holdoff.store.tables import notifications, silences
from tests.service.helpers import FakeClock, make_settings
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def runtime(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> Iterator[Runtime]:
    rt = Runtime(
        make_settings(database_url, teams_receiver, smtp_sink, grace_seconds=60),
        clock=clock,
        run_workers=False,
    )
    yield rt


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as test_client:
        yield test_client


def escalate(runtime: Runtime, clock: FakeClock, fingerprint: str = "db-1") -> dict[str, str]:
    """Trigger and escalate an alert; the links of its Teams message by action."""
    runtime.mediator.apply(
        AlertEvent("coralogix", fingerprint, Action.TRIGGERED, name="Replica lag", labels={"team": "db"})
    )
    clock.advance(61)
    runtime.mediator.fire_due()
    with runtime.db.read() as conn:
        rows = (
            conn.execute(select(notifications.c.message).where(notifications.c.kind == "escalated"))
            .scalars()
            .all()
        )
    message: dict[str, Any] = rows[-1]
    return {
        link["action"]: link["url"].removeprefix("https://holdoff.example.test")
        for link in message["actions"]
    }


def test_escalation_messages_carry_acknowledge_resolve_and_silence_links(
    runtime: Runtime, client: TestClient, clock: FakeClock
) -> None:
    links = escalate(runtime, clock)
    assert sorted(links) == ["acknowledge", "resolve", "silence"]
    assert all(path.startswith("/actions/") for path in links.values())


def test_the_link_page_does_not_act_and_the_button_acts_once(
    runtime: Runtime, client: TestClient, clock: FakeClock
) -> None:
    links = escalate(runtime, clock)
    page = client.get(links["acknowledge"])
    assert page.status_code == 200 and "<button" in page.text and "acknowledge Replica lag" in page.text
    assert page.headers["cache-control"] == "no-store"
    alert = client.get("/alerts").json()["items"][0]
    assert alert["state"] == "escalated"  # looking at the page changed nothing
    done = client.post(links["acknowledge"], data={"by": "alice"})
    assert done.status_code == 200 and "acknowledged alert" in done.text
    alert = client.get("/alerts").json()["items"][0]
    assert (alert["state"], alert["acknowledged_by"]) == ("acknowledged", "alice (action link)")
    again = client.post(links["acknowledge"], data={"by": "bob"})
    assert again.status_code == 410 and "already been used" in again.text
    assert client.get(links["acknowledge"]).status_code == 410


def test_an_expired_link_is_refused_with_a_clear_page(
    runtime: Runtime, client: TestClient, clock: FakeClock
) -> None:
    links = escalate(runtime, clock)
    clock.advance(25 * 3600)
    refused = client.post(links["resolve"])
    assert refused.status_code == 410 and "expired at" in refused.text
    assert client.get("/alerts").json()["items"][0]["state"] == "escalated"


def test_a_forged_link_is_refused(runtime: Runtime, client: TestClient, clock: FakeClock) -> None:
    links = escalate(runtime, clock)
    token = links["resolve"].removeprefix("/actions/")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    refused = client.post(f"/actions/{forged}")
    assert refused.status_code == 403 and "not issued by this Holdoff" in refused.text


def test_the_resolve_link_resolves_and_the_silence_link_silences_for_an_hour(
    runtime: Runtime, client: TestClient, clock: FakeClock
) -> None:
    first = escalate(runtime, clock, "db-1")
    assert client.post(first["resolve"]).status_code == 200
    assert client.get("/alerts").json()["items"][0]["state"] == "resolved"
    second = escalate(runtime, clock, "db-2")
    assert client.post(second["silence"], data={"by": "carol"}).status_code == 200
    with runtime.db.read() as conn:
        [row] = conn.execute(select(silences)).mappings().all()
    assert row["created_by"] == "carol (action link)"
    assert (row["ends_at"] - row["starts_at"]).total_seconds() == pytest.approx(3600, abs=1)
    assert row["matchers"] == [
        {"name": "alertname", "type": "=", "value": "Replica lag"},
        {"name": "source", "type": "=", "value": "coralogix"},
        {"name": "team", "type": "=", "value": "db"},
    ]


def test_a_link_for_an_earlier_occurrence_does_not_act_on_a_new_one(
    runtime: Runtime, client: TestClient, clock: FakeClock
) -> None:
    links = escalate(runtime, clock)
    runtime.mediator.apply(AlertEvent("coralogix", "db-1", Action.RESOLVED))
    runtime.mediator.apply(AlertEvent("coralogix", "db-1", Action.TRIGGERED, name="Replica lag"))
    refused = client.post(links["acknowledge"])
    assert refused.status_code == 409 and "earlier occurrence" in refused.text
    assert client.get("/alerts").json()["items"][0]["state"] == "pending"
