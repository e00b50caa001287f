"""``/ws/alerts``: a snapshot on connect, deltas for every change, catching up after a reconnect."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from holdoff.api.app import create_app
from holdoff.api.routes import ws
from holdoff.mediate.model import Action, AlertEvent
from holdoff.runtime import Runtime
from holdoff.service import changes
from holdoff.settings import Settings
from tests.service.helpers import FakeClock

WAIT_SECONDS = 10.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def runtime(database_url: str, clock: FakeClock) -> Runtime:
    settings = Settings(
        database_url=database_url,
        grace_seconds=600,
        public_url="https://holdoff.test",
        allowed_hosts=["testserver"],  # Starlette's test client opens every WebSocket to ws://testserver
    )
    return Runtime(settings, channels={}, clock=clock, run_workers=False)


@pytest.fixture
def client(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(ws, "HEARTBEAT_SECONDS", 0.5)  # a receive never waits long for something
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as test_client:
        yield test_client


def post(client: TestClient, clock: FakeClock, alert_id: str, action: str = "TRIGGERED") -> int:
    clock.advance(1)
    body = {"alert_id": alert_id, "alert_name": f"Alert {alert_id}", "alert_action": action}
    response = client.post("/coralogix/webhook", json=body)
    assert response.status_code == 202, response.text
    return int(response.json()["alert_id"])


def next_frame(socket: WebSocketTestSession, *, kind: str = "delta") -> dict[str, Any]:
    """The next frame of ``kind``, skipping heartbeats; fails after a while."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        frame: dict[str, Any] = socket.receive_json()
        if frame["type"] == kind:
            return frame
        assert frame["type"] == "ping", frame
    raise AssertionError(f"no {kind} frame within {WAIT_SECONDS}s")


def states(frame: dict[str, Any]) -> dict[str, str]:
    return {alert["fingerprint"]: alert["state"] for alert in frame["alerts"]}


def test_a_snapshot_on_connect(client: TestClient, clock: FakeClock) -> None:
    a = post(client, clock, "a")
    post(client, clock, "b")
    post(client, clock, "b", "RESOLVED")
    with client.websocket_connect("/ws/alerts") as socket:
        frame = socket.receive_json()
    assert frame["type"] == "snapshot"
    assert states(frame) == {"b": "resolved", "a": "pending"}  # most recent first
    assert frame["alerts"][1]["url"] == f"https://holdoff.test/alerts/{a}"
    assert frame["summary"]["pending"] == 1 and frame["summary"]["resolved"] == 1
    assert frame["summary"]["open"] == 1
    assert isinstance(frame["cursor"], str) and frame["truncated"] is False


def test_an_empty_snapshot(client: TestClient) -> None:
    with client.websocket_connect("/ws/alerts") as socket:
        frame = socket.receive_json()
    assert (frame["type"], frame["alerts"], frame["summary"]["open"]) == ("snapshot", [], 0)


def test_changes_arrive_as_deltas(client: TestClient, clock: FakeClock) -> None:
    with client.websocket_connect("/ws/alerts") as socket:
        snapshot = socket.receive_json()
        a = post(client, clock, "a")
        delta = next_frame(socket)
        assert states(delta) == {"a": "pending"}
        assert delta["summary"]["pending"] == 1
        assert delta["cursor"] != snapshot["cursor"]
        clock.advance(1)  # the feed tells changes apart by (updated_at, id)
        assert client.post(f"/alerts/{a}/acknowledge", json={"by": "alice"}).status_code == 200
        delta = next_frame(socket)
        assert states(delta) == {"a": "acknowledged"}
        assert delta["alerts"][0]["acknowledged_by"] == "alice"
        assert (delta["summary"]["acknowledged"], delta["summary"]["pending"]) == (1, 0)


def test_changes_made_outside_the_http_api_arrive_too(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    with client.websocket_connect("/ws/alerts") as socket:
        socket.receive_json()
        clock.advance(1)
        runtime.mediator.apply(
            AlertEvent(source="coralogix", fingerprint="x", action=Action.TRIGGERED, name="X")
        )
        assert states(next_frame(socket)) == {"x": "pending"}


def test_every_client_gets_every_delta(client: TestClient, clock: FakeClock) -> None:
    with client.websocket_connect("/ws/alerts") as one, client.websocket_connect("/ws/alerts") as two:
        one.receive_json()
        two.receive_json()
        post(client, clock, "a")
        assert states(next_frame(one)) == states(next_frame(two)) == {"a": "pending"}


def test_a_reconnect_with_the_cursor_gets_what_it_missed(client: TestClient, clock: FakeClock) -> None:
    a = post(client, clock, "a")
    with client.websocket_connect("/ws/alerts") as socket:
        cursor = socket.receive_json()["cursor"]
    clock.advance(60)  # missed: b arrives, a is acknowledged
    post(client, clock, "b")
    client.post(f"/alerts/{a}/acknowledge")
    with client.websocket_connect(f"/ws/alerts?cursor={cursor}") as socket:
        frame = socket.receive_json()
        assert frame["type"] == "delta"
        assert states(frame) == {"a": "acknowledged", "b": "pending"}
        post(client, clock, "c")  # and the feed goes on from there
        assert states(next_frame(socket)) == {"c": "pending"}
    with client.websocket_connect(f"/ws/alerts?cursor={frame['cursor']}") as socket:
        nothing_new = socket.receive_json()
    assert nothing_new["type"] == "delta" and "c" in states(nothing_new)


@pytest.mark.parametrize("cursor", ["not-a-cursor", "MjAyNnwx", "x" * 300])
def test_an_invalid_cursor_gets_a_snapshot(client: TestClient, clock: FakeClock, cursor: str) -> None:
    post(client, clock, "a")
    with client.websocket_connect(f"/ws/alerts?cursor={cursor}") as socket:
        frame = socket.receive_json()
    assert (frame["type"], states(frame)) == ("snapshot", {"a": "pending"})


def test_a_cursor_too_far_behind_gets_a_snapshot(
    client: TestClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(changes, "CATCH_UP_LIMIT", 2)
    with client.websocket_connect("/ws/alerts") as socket:
        cursor = socket.receive_json()["cursor"]
    clock.advance(60)
    for name in "abc":
        post(client, clock, name)
    with client.websocket_connect(f"/ws/alerts?cursor={cursor}") as socket:
        frame = socket.receive_json()
    assert frame["type"] == "snapshot" and len(frame["alerts"]) == 3


def test_a_heartbeat_when_nothing_happens(client: TestClient) -> None:
    with client.websocket_connect("/ws/alerts") as socket:
        socket.receive_json()
        assert socket.receive_json()["type"] == "ping"


def test_a_client_that_falls_behind_is_told_to_resync() -> None:
    async def overflow() -> list[object]:
        subscription = changes.Subscription()
        for n in range(changes.QUEUE_FRAMES + 1):
            subscription.offer(f"frame {n}")
        return [await subscription.next(0.1), await subscription.next(0.01)]

    assert asyncio.run(overflow()) == [changes.RESYNC, None]


def test_a_change_committed_late_with_an_earlier_stamp_is_not_lost(
    runtime: Runtime, clock: FakeClock
) -> None:
    runtime.start()
    try:
        feed = changes.ChangeFeed(runtime.db, lambda frame: "")
        runtime.mediator.apply(AlertEvent(source="coralogix", fingerprint="a", action=Action.TRIGGERED))
        feed._prime()
        clock.advance(1)
        runtime.mediator.apply(AlertEvent(source="coralogix", fingerprint="b", action=Action.TRIGGERED))
        first = feed.poll()
        assert first is not None and [s.record.fingerprint for s in first.alerts] == ["b"]
        clock.advance(-0.5)  # a writer that took its time before b, committing after it
        runtime.mediator.apply(AlertEvent(source="coralogix", fingerprint="c", action=Action.TRIGGERED))
        late = feed.poll()
        assert late is not None and [s.record.fingerprint for s in late.alerts] == ["c"]
        assert late.cursor == first.cursor  # the high-water mark does not move back
        assert feed.poll() is None  # each change once
    finally:
        runtime.stop()
