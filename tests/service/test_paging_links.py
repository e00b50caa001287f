"""Every message that pages carries action links that work: an alert's escalation and reminders, and an
incident's first page and later updates, whether they go out at once (flushed while the alerts' change is
written) or when the incident's timer passes (flushed by the scheduler)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from holdoff.api.app import create_app
from holdoff.mediate.model import Action, AlertEvent
from holdoff.runtime import Runtime
from holdoff.store.tables import notifications
from tests.service.helpers import FakeClock, make_settings
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

PUBLIC_URL = "https://holdoff.example.test"
CHAIN = [
    {
        "name": "db",
        "match": '{team="db"}',
        "escalation": {
            "steps": [{"channels": ["email"], "wait": "1m"}, {"channels": ["teams"], "wait": "1m"}]
        },
    }
]

Start = Callable[..., AbstractContextManager[tuple[Runtime, TestClient]]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def holdoff(database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock) -> Start:
    @contextmanager
    def start(**settings: object) -> Iterator[tuple[Runtime, TestClient]]:
        values = make_settings(database_url, teams_receiver, smtp_sink, grace_seconds=60, **settings)
        runtime = Runtime(values, clock=clock, run_workers=False)
        with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
            yield runtime, client

    return start


def trigger(runtime: Runtime, fingerprint: str, **labels: str) -> int:
    event = AlertEvent(
        "alertmanager",
        fingerprint,
        Action.TRIGGERED,
        name="Replica lag",
        labels={"cluster": "eu-1", "team": "db", "service": fingerprint, **labels},
    )
    return runtime.mediator.apply(event).alert_id


def pages(runtime: Runtime) -> list[dict[str, Any]]:
    """The paging messages in the outbox, one per message (not per channel), in the order queued."""
    with runtime.db.read() as conn:
        rows = conn.execute(
            select(notifications.c.message)
            .where(notifications.c.kind.in_(("escalated", "reminder")))
            .order_by(notifications.c.id)
        ).scalars()
        seen: dict[tuple[Any, ...], dict[str, Any]] = {}
        for message in rows:
            key = (message["kind"], message.get("alert_id"), message.get("incident_id"), message["title"])
            seen.setdefault(key, message)
    return list(seen.values())


def links(message: dict[str, Any]) -> dict[str, str]:
    found = {link["action"]: link["url"] for link in message["actions"]}
    assert all(url.startswith(f"{PUBLIC_URL}/actions/") for url in found.values()), found
    return {action: url.removeprefix(PUBLIC_URL) for action, url in found.items()}


def press(client: TestClient, path: str) -> str:
    """Open the link's page (which must not act), then press its button; the answer page's text."""
    page = client.get(path)
    assert page.status_code == 200 and "<button" in page.text, page.text
    done = client.post(path, data={"by": "dana"})
    assert done.status_code == 200, done.text
    return str(done.text)


def state(client: TestClient, alert_id: int) -> str:
    return str(client.get(f"/alerts/{alert_id}").json()["state"])


def test_an_alert_escalation_carries_links_that_act(holdoff: Start, clock: FakeClock) -> None:
    with holdoff() as (runtime, client):
        alert = trigger(runtime, "db-1")
        clock.advance(61)
        runtime.mediator.fire_due()
        [page] = pages(runtime)
        assert page["kind"] == "escalated"
        assert sorted(links(page)) == ["acknowledge", "resolve", "silence"]
        press(client, links(page)["acknowledge"])
        assert state(client, alert) == "acknowledged"


def test_a_reminder_of_an_escalation_chain_carries_links_that_act(holdoff: Start, clock: FakeClock) -> None:
    with holdoff(routes=CHAIN) as (runtime, client):
        alert = trigger(runtime, "db-1")
        clock.advance(61)
        runtime.mediator.fire_due()
        clock.advance(61)
        runtime.mediator.fire_due()
        assert [page["kind"] for page in pages(runtime)] == ["escalated", "reminder"]
        reminder = pages(runtime)[1]
        assert sorted(links(reminder)) == ["acknowledge", "resolve", "silence"]
        press(client, links(reminder)["resolve"])
        assert state(client, alert) == "resolved"


def test_an_incidents_first_page_sent_at_once_carries_a_link_that_acknowledges_it(
    holdoff: Start, clock: FakeClock
) -> None:
    """group_wait 0: the page goes out in the transaction that escalates the alerts (folded and flushed
    there, not by the incident timer)."""
    with holdoff(group_by=["cluster"], group_wait="0s", group_interval="5m") as (runtime, client):
        first, second = trigger(runtime, "db-1"), trigger(runtime, "db-2")
        clock.advance(61)
        runtime.mediator.fire_due()
        [page] = pages(runtime)
        assert page["incident_id"] is not None and page["alert_id"] is None
        assert list(links(page)) == ["acknowledge-incident"]
        assert "acknowledged 2 alert(s)" in press(client, links(page)["acknowledge-incident"])
        assert (state(client, first), state(client, second)) == ("acknowledged", "acknowledged")


def test_a_later_incident_update_sent_at_once_carries_a_working_link(
    holdoff: Start, clock: FakeClock
) -> None:
    """group_interval 0: a later escalation of the same incident is flushed as its change is written."""
    with holdoff(group_by=["cluster"], group_wait="0s", group_interval="0s") as (runtime, client):
        first = trigger(runtime, "db-1")
        clock.advance(61)
        runtime.mediator.fire_due()
        clock.advance(30)
        second = trigger(runtime, "db-2")
        clock.advance(61)
        runtime.mediator.fire_due()
        opening, update = pages(runtime)
        assert opening["incident_id"] == update["incident_id"]
        assert list(links(update)) == ["acknowledge-incident"]
        assert links(update) != links(opening)  # every message its own single-use token
        press(client, links(update)["acknowledge-incident"])
        assert (state(client, first), state(client, second)) == ("acknowledged", "acknowledged")


def test_an_incidents_first_page_sent_by_its_timer_carries_a_working_link(
    holdoff: Start, clock: FakeClock
) -> None:
    with holdoff(group_by=["cluster"], group_wait="30s", group_interval="5m") as (runtime, client):
        alert = trigger(runtime, "db-1")
        clock.advance(61)
        runtime.mediator.fire_due()
        assert pages(runtime) == []  # collected on the incident, waiting for group_wait
        clock.advance(30)
        runtime.mediator.fire_due()
        [page] = pages(runtime)
        press(client, links(page)["acknowledge-incident"])
        assert state(client, alert) == "acknowledged"


def test_a_later_incident_update_sent_by_its_timer_carries_a_working_link(
    holdoff: Start, clock: FakeClock
) -> None:
    with holdoff(group_by=["cluster"], group_wait="30s", group_interval="5m") as (runtime, client):
        first = trigger(runtime, "db-1")
        clock.advance(61)
        runtime.mediator.fire_due()
        clock.advance(30)
        runtime.mediator.fire_due()  # the first page
        second = trigger(runtime, "db-2")
        clock.advance(61)
        runtime.mediator.fire_due()  # escalated, collected until group_interval has passed
        assert len(pages(runtime)) == 1
        clock.advance(300)
        runtime.mediator.fire_due()
        opening, update = pages(runtime)
        assert opening["incident_id"] == update["incident_id"]
        press(client, links(update)["acknowledge-incident"])
        assert (state(client, first), state(client, second)) == ("acknowledged", "acknowledged")
