"""Backpressure through the real app, on SQLite and PostgreSQL: past the outbox bound or with the writer
held, alert webhooks are refused at once (429, or 503 for Alertmanager) with Retry-After and the reason;
once the load stops, every alert a sender posted with retries is stored, none lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from holdoff.api.app import create_app
from holdoff.mediate.model import AlertEvent, NotificationKind
from holdoff.notify.channel import DeliveryResult, Message
from holdoff.runtime import Runtime
from holdoff.service.mediation import Applied
from holdoff.settings import Settings
from holdoff.store import backlog
from holdoff.store.tables import alerts

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeChannel:
    name: str
    kinds: frozenset[NotificationKind] | None = None
    rate_per_second: float | None = None

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        return DeliveryResult(ok=True, retryable=False, error=None)

    def close(self) -> None:
        pass


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    settings = Settings(
        database_url=database_url,
        grace_seconds=0,
        retention={"backpressure": {"max_outbox": 3, "max_waiting_events": 2, "retry_after_seconds": 7}},
    )  # type: ignore[call-arg]
    channels = {"teams": FakeChannel("teams"), "email": FakeChannel("email")}
    yield Runtime(settings, channels=channels, run_workers=False, clock=lambda: NOW)  # type: ignore[arg-type]


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as test_client:
        yield test_client


def alert(name: str) -> dict[str, Any]:
    return {"id": name, "name": name, "status": "firing", "labels": {"host": "db1"}}


def stored(runtime: Runtime) -> set[str]:
    with runtime.db.read() as conn:
        return set(conn.execute(select(alerts.c.fingerprint)).scalars())


def undelivered(runtime: Runtime) -> int:
    with runtime.db.read() as conn:
        return backlog.undelivered(conn, 1000)


def drain(runtime: Runtime) -> None:
    """The load stops: the sender delivers what waits, and the outbox count is read again."""
    while runtime.sender.run_once():
        pass
    runtime.outbox_backlog.refresh()


def test_past_the_outbox_bound_webhooks_get_429_with_retry_after_and_a_retrying_sender_loses_nothing(
    runtime: Runtime, client: TestClient
) -> None:
    runtime.outbox_backlog.every = 0  # read the count on every post (at most once a second in service)
    refusals: list[httpx.Response] = []
    names = [f"disk-{n}" for n in range(8)]
    for name in names:
        for _ in range(5):
            runtime.mediator.fire_due(100)  # escalations fill the outbox; nothing sends them yet
            response = client.post("/webhooks/generic", json=alert(name))
            if response.status_code == 202:
                break
            refusals.append(response)
            assert undelivered(runtime) >= 3
            drain(runtime)  # the sender catches up; the sender of the webhook retries after
        else:
            pytest.fail(f"{name} was never accepted")
    assert refusals, "the outbox never reached its bound"
    for response in refusals:
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        detail = response.json()["detail"]
        assert "undelivered messages are waiting, the bound is 3" in detail
        assert "nothing of this webhook was stored" in detail
    assert stored(runtime) == set(names)


def test_with_the_writer_held_webhooks_past_the_waiting_bound_are_refused_then_stored_on_retry(
    runtime: Runtime, client: TestClient
) -> None:
    gate, entered = threading.Event(), threading.Event()
    write = runtime.ingest._apply_groups

    def held(groups: Sequence[Sequence[AlertEvent]]) -> list[list[Applied] | Exception]:
        entered.set()
        gate.wait(20)
        return write(groups)

    runtime.ingest._apply_groups = held
    answers: dict[str, int] = {}

    def post(name: str) -> None:
        answers[name] = client.post("/webhooks/generic", json=alert(name)).status_code

    first = threading.Thread(target=post, args=("held",))
    first.start()
    assert entered.wait(10)  # the writer is busy with the first webhook
    waiting = [threading.Thread(target=post, args=(name,)) for name in ("queued-1", "queued-2")]
    for thread in waiting:
        thread.start()
    for _ in range(2000):
        if runtime.ingest.waiting_events == 2:
            break
        threading.Event().wait(0.005)
    assert runtime.ingest.waiting_events == 2
    refused = client.post("/webhooks/generic", json=alert("refused"))
    alertmanager = {
        "version": "4",
        "status": "firing",
        "alerts": [{"status": "firing", "labels": {"alertname": "Am"}, "startsAt": "2026-06-01T11:59:00Z"}],
    }
    refused_am = client.post("/webhooks/alertmanager", json=alertmanager)
    gate.set()
    for thread in (first, *waiting):
        thread.join(20)
    assert answers == {"held": 202, "queued-1": 202, "queued-2": 202}
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "7"
    assert "2 alert events are waiting for the writer, the bound is 2" in refused.json()["detail"]
    assert (
        refused_am.status_code == 503 and refused_am.headers["Retry-After"] == "7"
    )  # Alertmanager retries 5xx only
    assert stored(runtime) == {"held", "queued-1", "queued-2"}  # nothing of a refused webhook was stored
    assert client.post("/webhooks/generic", json=alert("refused")).status_code == 202
    assert client.post("/webhooks/alertmanager", json=alertmanager).status_code == 202
    with runtime.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(alerts)).scalar_one() == 5
