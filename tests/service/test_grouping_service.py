"""Incidents and digests through the store and the scheduler: collected messages go out once, per incident."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from holdoff.mediate.model import Action, AlertEvent
from holdoff.runtime import Runtime
from holdoff.store.tables import digest_items, digests, incidents, notifications
from tests.service.helpers import FakeClock, make_settings
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

GROUPED = {"group_by": ["cluster"], "group_wait": "30s", "group_interval": "5m"}


def alert(fingerprint: str, action: Action = Action.TRIGGERED, **labels: str) -> AlertEvent:
    return AlertEvent(
        "alertmanager",
        fingerprint,
        action,
        name=labels.pop("alertname", "HighErrorRate"),
        labels={"cluster": "eu-1", "service": fingerprint, **labels},
    )


def outbox(rt: Runtime) -> list[dict[str, Any]]:
    with rt.db.read() as conn:
        rows = conn.execute(select(notifications).order_by(notifications.c.id)).mappings().all()
        return [dict(row) for row in rows]


def incident_rows(rt: Runtime) -> list[dict[str, Any]]:
    with rt.db.read() as conn:
        return [dict(r) for r in conn.execute(select(incidents).order_by(incidents.c.id)).mappings().all()]


@pytest.fixture
def grouped(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> Iterator[Runtime]:
    rt = Runtime(
        make_settings(database_url, teams_receiver, smtp_sink, **GROUPED), clock=clock, run_workers=False
    )
    rt.start()
    yield rt
    rt.stop()


def test_a_cascade_is_one_incident_and_one_page_per_channel(
    grouped: Runtime, clock: FakeClock, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    for name in ("db", "api", "web"):
        grouped.mediator.apply(alert(name))
        clock.advance(10)
    assert len(incident_rows(grouped)) == 1
    clock.advance(600)
    assert grouped.mediator.fire_due() == 3  # three escalations, collected on the incident
    assert outbox(grouped) == []
    clock.advance(30)
    assert grouped.mediator.fire_due() == 2  # the incident's message, to email and Teams
    rows = outbox(grouped)
    assert {(r["kind"], r["channel"]) for r in rows} == {("escalated", "email"), ("escalated", "teams")}
    assert all(r["alert_id"] is None and r["incident_id"] == incident_rows(grouped)[0]["id"] for r in rows)
    assert rows[0]["message"]["title"].startswith(
        "ESCALATED: HighErrorRate (cluster=eu-1) (3 alerts, 3 firing)"
    )
    assert grouped.sender.run_once() == 2
    assert len(teams_receiver.wait_for(1)) == 1
    mail = smtp_sink.wait_for(1)[0]
    assert mail.message["X-Holdoff-Incident-Id"] == str(rows[0]["incident_id"])
    assert "3 alerts" in mail.message["Subject"]
    clock.advance(60)
    assert grouped.mediator.fire_due() == 0  # nothing sent twice


def test_the_incident_resolves_with_its_last_alert_and_a_new_one_opens_later(
    grouped: Runtime, clock: FakeClock
) -> None:
    for name in ("db", "api"):
        grouped.mediator.apply(alert(name))
    clock.advance(630)
    grouped.mediator.fire_due()
    grouped.mediator.fire_due()
    first = incident_rows(grouped)[0]
    assert first["state"] == "open" and sorted(first["firing"]) == [
        "alertmanager\x1fapi",
        "alertmanager\x1fdb",
    ]
    grouped.mediator.apply(alert("db", Action.RESOLVED))
    grouped.mediator.apply(alert("api", Action.RESOLVED))
    clock.advance(300)
    grouped.mediator.fire_due()
    [resolved] = incident_rows(grouped)
    assert resolved["state"] == "resolved" and resolved["open_key"] is None
    assert [r["kind"] for r in outbox(grouped)].count("resolved") == 2  # one message, email and Teams
    grouped.mediator.apply(alert("db"))
    rows = incident_rows(grouped)
    assert [r["state"] for r in rows] == ["resolved", "open"]
    assert rows[0]["key"] == rows[1]["key"]


def test_zero_group_wait_sends_in_the_escalating_transaction(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    rt = Runtime(
        make_settings(database_url, teams_receiver, smtp_sink, group_by=["cluster"], group_wait="0s"),
        clock=clock,
        run_workers=False,
    )
    rt.start()
    try:
        rt.mediator.apply(alert("db"))
        clock.advance(600)
        assert rt.mediator.fire_due() == 1  # the escalation; its incident's message goes with it
        assert sorted(r["channel"] for r in outbox(rt)) == ["email", "teams"]
    finally:
        rt.stop()


def test_two_processes_share_one_open_incident_per_group(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    settings = make_settings(database_url, teams_receiver, smtp_sink, **GROUPED)
    first = Runtime(settings, clock=clock, run_workers=False)
    second = Runtime(settings, clock=clock, run_workers=False)
    first.start()
    second.start()
    try:
        first.mediator.apply(alert("db"))
        second.mediator.apply(alert("api"))
        second.mediator.apply_groups([[alert("web")], [alert("queue")]])
        [row] = incident_rows(first)
        assert len(row["firing"]) == 4 and row["alerts"] == 4
        clock.advance(600)
        assert first.mediator.fire_due() + second.mediator.fire_due() == 4
        clock.advance(30)
        second.mediator.fire_due()
        first.mediator.fire_due()
        assert sorted(r["channel"] for r in outbox(first)) == ["email", "teams"]
    finally:
        first.stop()
        second.stop()


def test_digest_lines_are_collected_and_sent_once_per_interval(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    rules = [{"name": "certs", "match": '{alertname="CertificateExpiresSoon"}', "action": "digest"}]
    rt = Runtime(
        make_settings(database_url, teams_receiver, smtp_sink, noise_rules=rules, digest={"interval": "1h"}),
        clock=clock,
        run_workers=False,
    )
    rt.start()
    try:
        for name in ("web", "api"):
            rt.mediator.apply(alert(name, alertname="CertificateExpiresSoon"))
        clock.advance(600)
        assert rt.mediator.fire_due() == 2
        assert outbox(rt) == []
        with rt.db.read() as conn:
            assert conn.execute(select(digest_items.c.channel)).scalars().all().count("teams") == 2
        clock.advance(3600)
        assert rt.mediator.fire_due() == 2  # one digest per channel
        sent = outbox(rt)
        assert {(r["kind"], r["channel"]) for r in sent} == {("digest", "email"), ("digest", "teams")}
        assert sent[0]["message"]["title"].startswith("Digest: 2 items since")
        assert all("ESCALATED: CertificateExpiresSoon" in f["value"] for f in sent[0]["message"]["facts"])
        with rt.db.read() as conn:
            assert conn.execute(select(digest_items)).all() == []
            assert conn.execute(select(digests.c.due_at)).scalars().all() == [None, None]
        clock.advance(3600)
        assert rt.mediator.fire_due() == 0  # nothing collected: no empty digest
        rt.mediator.apply(alert("web", Action.RESOLVED, alertname="CertificateExpiresSoon"))
        with rt.db.read() as conn:
            due = conn.execute(select(digests.c.due_at)).scalars().all()
        assert due == [clock.now + timedelta(hours=1)] * 2
    finally:
        rt.stop()


def test_concurrent_first_alerts_of_a_group_open_one_incident(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    settings = make_settings(database_url, teams_receiver, smtp_sink, **GROUPED)
    runtimes = [Runtime(settings, clock=clock, run_workers=False) for _ in range(2)]
    for rt in runtimes:
        rt.start()
    try:
        barrier = threading.Barrier(8)

        def fire(n: int) -> None:
            barrier.wait()
            runtimes[n % 2].mediator.apply(alert(f"svc-{n}"))

        threads = [threading.Thread(target=fire, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rows = incident_rows(runtimes[0])
        assert [r["state"] for r in rows] == ["open"]
        assert len(rows[0]["firing"]) == 8 and rows[0]["alerts"] == 8
    finally:
        for rt in runtimes:
            rt.stop()
