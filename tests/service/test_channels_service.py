"""Channels from the ``channels:`` section, through the outbox: a PagerDuty incident triggered, acknowledged
from an action link and resolved on one dedup_key; retries by status; Graph's 403 diagnosis in the timeline."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from holdoff.api.app import create_app
from holdoff.mediate.model import Action, AlertEvent
from holdoff.runtime import Runtime
from holdoff.store.tables import delivery_attempts, notifications
from tests.service.helpers import FakeClock, make_settings
from tests.support.msgraph_standin import CLIENT_ID, CLIENT_SECRET, SENDER, TENANT_ID, GraphStandIn
from tests.support.msgraph_standin import graph_standin as graph_standin
from tests.support.msgraph_standin import graph_tls as graph_tls
from tests.support.pager_receiver import PagerDutyReceiver
from tests.support.pager_receiver import pagerduty_receiver as pagerduty_receiver
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

ROUTES = [
    {
        "name": "db",
        "match": '{team="db"}',
        "channels": {"escalated": ["pager"], "resolved": ["pager"], "transient_resolved": []},
    }
]


def db_alert(action: Action) -> AlertEvent:
    return AlertEvent("alertmanager", "db-1", action, name="ReplicaLag", labels={"team": "db"})


def rows(rt: Runtime) -> list[dict[str, Any]]:
    with rt.db.read() as conn:
        return [dict(r) for r in conn.execute(select(notifications).order_by(notifications.c.id)).mappings()]


@pytest.fixture
def pager_runtime(
    database_url: str,
    teams_receiver: TeamsReceiver,
    smtp_sink: SmtpSink,
    clock: FakeClock,
    pagerduty_receiver: PagerDutyReceiver,
) -> Iterator[Runtime]:
    channels = [
        {
            "name": "pager",
            "type": "pagerduty",
            "routing_key": pagerduty_receiver.routing_key,
            "events_url": pagerduty_receiver.url,
        }
    ]
    settings = make_settings(
        database_url, teams_receiver, smtp_sink, grace_seconds=60, routes=ROUTES, channels=channels
    )
    rt = Runtime(settings, clock=clock, run_workers=False)
    yield rt


def test_trigger_acknowledge_from_a_link_and_resolve_are_one_pagerduty_incident(
    pager_runtime: Runtime,
    clock: FakeClock,
    pagerduty_receiver: PagerDutyReceiver,
) -> None:
    rt = pager_runtime
    with TestClient(create_app(rt), base_url="http://127.0.0.1") as client:
        rt.mediator.apply(db_alert(Action.TRIGGERED))
        clock.advance(61)
        rt.mediator.fire_due()
        assert rt.sender.run_once() == 1
        [page] = [r for r in rows(rt) if r["kind"] == "escalated"]
        assert page["channel"] == "pager"
        link = next(a["url"] for a in page["message"]["actions"] if a["action"] == "acknowledge")
        answer = client.post(link.removeprefix("https://holdoff.example.test"), data={"by": "alice"})
        assert answer.status_code == 200, answer.text
        clock.advance(1)  # PagerDuty's rate limit: at most 2 events a second
        assert rt.sender.run_once() == 1
        rt.mediator.apply(db_alert(Action.RESOLVED))
        clock.advance(1)
        assert rt.sender.run_once() == 1
    events = [request.json for request in pagerduty_receiver.wait_for(3)]
    assert [e["event_action"] for e in events] == ["trigger", "acknowledge", "resolve"]
    assert len({e["dedup_key"] for e in events}) == 1
    assert all(e["routing_key"] == pagerduty_receiver.routing_key for e in events)
    assert {r["channel"] for r in rows(rt)} == {"pager"}  # Teams and email were not asked to mirror the ack


def test_pagerduty_400_is_not_retried_and_503_is_retried_until_it_works(
    pager_runtime: Runtime,
    clock: FakeClock,
    pagerduty_receiver: PagerDutyReceiver,
) -> None:
    rt = pager_runtime
    rt.start()
    try:
        pagerduty_receiver.fail_with(400, count=1)
        rt.mediator.apply(db_alert(Action.TRIGGERED))
        clock.advance(61)
        rt.mediator.fire_due()
        rt.sender.run_once()
        [failed] = rows(rt)
        assert (failed["kind"], failed["status"], failed["attempts"]) == ("escalated", "failed", 1)
        pagerduty_receiver.fail_with(503, count=2)
        rt.mediator.apply(db_alert(Action.RESOLVED))
        for _ in range(6):
            rt.sender.run_once()
            clock.advance(30)
        [resolve] = [r for r in rows(rt) if r["channel"] == "pager" and r["kind"] == "resolved"]
        assert (resolve["status"], resolve["attempts"]) == ("delivered", 3)
        with rt.db.read() as conn:
            codes = (
                conn.execute(
                    select(delivery_attempts.c.status_code)
                    .where(delivery_attempts.c.notification_id == resolve["id"])
                    .order_by(delivery_attempts.c.id)
                )
                .scalars()
                .all()
            )
        assert codes == [503, 503, 202]
    finally:
        rt.stop()


def test_a_graph_403_shows_the_diagnosis_in_the_timeline_and_the_log(
    database_url: str,
    teams_receiver: TeamsReceiver,
    smtp_sink: SmtpSink,
    clock: FakeClock,
    graph_standin: GraphStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    graph_standin.restrict_mailboxes(["someone-else@example.test"])
    channels = [
        {
            "name": "exchange",
            "type": "msgraph",
            "tenant_id": TENANT_ID,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "sender": SENDER,
            "recipients": ["oncall@example.test"],
            "authority_host": graph_standin.authority_host,
            "graph_url": graph_standin.graph_url,
            "ca_bundle": str(graph_standin.tls.ca),
        }
    ]
    routes = [{"name": "db", "match": '{team="db"}', "channels": {"escalated": ["exchange"]}}]
    settings = make_settings(
        database_url, teams_receiver, smtp_sink, grace_seconds=60, routes=routes, channels=channels
    )
    rt = Runtime(settings, clock=clock, run_workers=False)
    rt.start()
    try:
        with TestClient(create_app(rt), base_url="http://127.0.0.1") as client:
            applied = rt.mediator.apply(db_alert(Action.TRIGGERED))
            clock.advance(61)
            rt.mediator.fire_due()
            with caplog.at_level(logging.ERROR):
                rt.sender.run_once()
            detail = client.get(f"/alerts/{applied.alert_id}").json()
        [mail] = [n for n in detail["notifications"] if n["channel"] == "exchange"]
        error = mail["attempts"][0]["error"]
        assert mail["status"] == "failed"
        assert "application access policy" in error and SENDER in error and CLIENT_ID in error
        assert "New-ApplicationAccessPolicy" in error
        assert CLIENT_SECRET not in error
        assert any("application access policy" in record.getMessage() for record in caplog.records)
    finally:
        rt.stop()
