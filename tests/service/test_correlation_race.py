"""Two processes sharing one PostgreSQL flush the two group incidents of one cascade at the same moment:
correlation decides one after the other (the advisory lock), so the cascade is one correlated incident
that pages once. Two runtimes, each with its own engine and connections, stand in for the two processes;
both reach the lock before either decides (a barrier in front of it), so without the lock both would see
no open incident and both would page."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Connection, select

from holdoff.mediate.model import Action, AlertEvent
from holdoff.runtime import Runtime
from holdoff.service import correlation as correlation_shell
from holdoff.store import correlation as correlation_store
from holdoff.store.correlation_tables import incident_members
from holdoff.store.tables import notifications
from tests.service.helpers import FakeClock, make_settings
from tests.service.test_correlation_service import CHANNELS, ROUTES, TOPOLOGY
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

WAIT = 20.0
"""Seconds a thread waits for the other at the barrier (it fails the test, never hangs it)."""


@pytest.fixture
def processes(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> Iterator[tuple[Runtime, Runtime]]:
    settings = make_settings(
        database_url,
        teams_receiver,
        smtp_sink,
        grace_seconds=60,
        group_by=["service"],
        group_wait="30s",
        routes=ROUTES,
        channels=CHANNELS,
        correlation=TOPOLOGY,
    )
    runtimes = (
        Runtime(settings, clock=clock, run_workers=False),
        Runtime(settings, clock=clock, run_workers=False),
    )
    for runtime in runtimes:
        runtime.start()
    yield runtimes
    for runtime in runtimes:
        runtime.stop()


def _meeting_at_the_lock(
    monkeypatch: pytest.MonkeyPatch, parties: int
) -> tuple[threading.Barrier, Callable[[Connection], None]]:
    barrier = threading.Barrier(parties, timeout=WAIT)
    real = correlation_store.lock

    def lock(conn: Connection) -> None:
        barrier.wait()
        real(conn)

    monkeypatch.setattr(correlation_shell.correlation_store, "lock", lock)
    return barrier, lock


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_processes_flushing_one_cascade_at_once_page_once(
    processes: tuple[Runtime, Runtime], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = processes
    root = AlertEvent(
        "alertmanager",
        "pg-1",
        Action.TRIGGERED,
        name="PostgresDown",
        labels={"service": "payments-db", "severity": "critical"},
    )
    symptom = AlertEvent(
        "coralogix", "cx-checkout", Action.TRIGGERED, name="Checkout errors", labels={"service": "checkout"}
    )
    first.mediator.apply(root)
    clock.advance(5)
    second.mediator.apply(symptom)
    clock.advance(60)
    assert first.mediator.fire_due() == 2  # both escalate, collected on their group incidents
    clock.advance(40)  # both group incidents' first messages are due
    _meeting_at_the_lock(monkeypatch, 2)
    errors: list[BaseException] = []

    def flush_one(runtime: Runtime) -> None:
        try:
            runtime.mediator.fire_due(limit=1)  # each claims one incident; the other's is locked
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=flush_one, args=(runtime,)) for runtime in processes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 2)
    assert errors == []
    assert not any(thread.is_alive() for thread in threads)
    with first.db.read() as conn:
        rows = conn.execute(select(incident_members.c.incident_id, incident_members.c.lead_id)).all()
        sent = conn.execute(select(notifications.c.kind, notifications.c.channel)).all()
        incidents = correlation_store.open_incidents(conn)
    leads = [incident_id for incident_id, lead_id in rows if incident_id == lead_id]
    assert len(rows) == 2 and len(leads) == 1
    assert {lead_id for _, lead_id in rows} == set(leads)
    assert len(incidents) == 1 and len(incidents[0].members) == 2
    assert sorted(kind for kind, channel in sent if channel == "pager") == ["escalated"]
    assert sorted(kind for kind, channel in sent if channel == "teams") == ["correlated", "escalated"]
