"""``GET /metrics/summary``: figures checked against a scenario driven with a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from holdoff.api.app import create_app
from holdoff.mediate.model import Action, AlertEvent, NotificationKind
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.message import Message
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from tests.service.helpers import FakeClock


@dataclass
class FakeChannel:
    name: str
    ok: bool = True
    kinds: frozenset[NotificationKind] | None = None
    rate_per_second: float | None = None

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        return DeliveryResult(ok=self.ok, retryable=False, error=None if self.ok else "HTTP 400")

    def close(self) -> None:
        pass


@dataclass
class Env:
    client: TestClient
    runtime: Runtime
    clock: FakeClock

    def post(self, alert_id: str, action: str = "TRIGGERED") -> int:
        body = {"alert_id": alert_id, "alert_name": f"Alert {alert_id}", "alert_action": action}
        response = self.client.post("/coralogix/webhook", json=body)
        assert response.status_code == 202, response.text
        return int(response.json()["alert_id"])

    def at(self, minute: int) -> None:
        """Move the clock to 03:MM on 2026-01-14."""
        self.clock.now = self.clock.now.replace(hour=3, minute=minute)

    def summary(self, **params: str) -> dict[str, object]:
        response = self.client.get("/metrics/summary", params=params)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


@contextmanager
def running(database_url: str, **settings: Any) -> Iterator[Env]:
    clock = FakeClock()  # 2026-01-14 03:00 UTC
    config = Settings(
        database_url=database_url, grace_seconds=600, public_url="https://holdoff.test", **settings
    )
    channels = {"teams": FakeChannel("teams"), "email": FakeChannel("email", ok=False)}
    runtime = Runtime(config, channels=channels, clock=clock, run_workers=False)  # type: ignore[arg-type]
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        yield Env(client, runtime, clock)


@pytest.fixture
def env(database_url: str) -> Iterator[Env]:
    with running(database_url) as made:
        yield made


def scenario(env: Env) -> None:
    """A escalates and is acknowledged 2 min later, then resolves; B is transient; C is still held."""
    env.at(0)
    a = env.post("a")
    env.post("b")
    env.at(5)
    env.post("b", "RESOLVED")  # transient after 300 s
    env.at(10)
    assert env.runtime.mediator.fire_due() == 1  # A escalates: one page, to teams and email
    env.runtime.sender.run_once()  # teams delivers, email fails for good: still one page
    env.at(12)
    assert env.client.post(f"/alerts/{a}/acknowledge", json={"by": "alice"}).status_code == 200
    env.at(20)
    env.post("a", "RESOLVED")  # after escalation, open 1,200 s
    env.post("c")


def test_the_day_so_far(env: Env) -> None:
    scenario(env)
    body = env.summary()
    assert body["states"] == {
        "pending": 1,
        "escalated": 0,
        "acknowledged": 0,
        "suppressed": 0,
        "resolved": 2,
        "open": 1,
    }
    period = body["period"]
    assert isinstance(period, dict)
    assert period["since"] == "2026-01-14T00:00:00Z"
    assert period["until"] == "2026-01-14T03:20:00Z"
    assert period["alerts_received"] == 3
    assert period["pages_sent"] == 1
    assert (period["resolved"], period["transient"]) == (2, 1)
    assert period["transient_ratio"] == pytest.approx(0.5)
    assert period["mtta_seconds"] == pytest.approx(120, abs=0.01)
    assert period["mttr_seconds"] == pytest.approx((300 + 1200) / 2, abs=0.01)


def test_since_narrows_the_period(env: Env) -> None:
    scenario(env)
    period = env.summary(since="2026-01-14T03:06:00Z")["period"]
    assert isinstance(period, dict)
    assert period["alerts_received"] == 1  # C
    assert period["pages_sent"] == 1  # A's escalation at 03:10
    assert (period["resolved"], period["transient"], period["transient_ratio"]) == (1, 0, 0.0)
    assert period["mtta_seconds"] == pytest.approx(120, abs=0.01)
    assert period["mttr_seconds"] == pytest.approx(1200, abs=0.01)
    late = env.summary(since="2026-01-14T03:15:00")["period"]  # no zone: UTC
    assert isinstance(late, dict)
    assert (late["pages_sent"], late["mtta_seconds"]) == (0, None)


def test_the_hourly_series_covers_the_last_24_hours(env: Env) -> None:
    scenario(env)
    env.clock.advance(3600)  # 04:20: the scenario is in the previous hour
    hourly = env.summary()["hourly"]
    assert isinstance(hourly, list)
    assert len(hourly) == 24
    assert hourly[0]["hour"] == "2026-01-13T05:00:00Z"
    assert hourly[-1] == {"hour": "2026-01-14T04:00:00Z", "alerts_in": 0, "pages_out": 0}
    assert hourly[-2] == {"hour": "2026-01-14T03:00:00Z", "alerts_in": 3, "pages_out": 1}
    assert sum(h["alerts_in"] for h in hourly) == 3


def test_a_new_day_starts_from_zero(env: Env) -> None:
    scenario(env)
    env.clock.advance(86_400)
    body = env.summary()
    period = body["period"]
    assert isinstance(period, dict)
    assert (period["alerts_received"], period["pages_sent"], period["resolved"]) == (0, 0, 0)
    assert (period["transient_ratio"], period["mtta_seconds"], period["mttr_seconds"]) == (None, None, None)
    assert body["states"]["open"] == 1  # type: ignore[index]


def test_empty_database(env: Env) -> None:
    body = env.summary()
    assert body["states"]["open"] == 0  # type: ignore[index]
    assert body["period"]["alerts_received"] == 0  # type: ignore[index]


def test_since_in_the_future_is_400(env: Env) -> None:
    response = env.client.get("/metrics/summary", params={"since": "2026-01-15T00:00:00Z"})
    assert response.status_code == 400
    assert "future" in response.json()["detail"]
    assert env.client.get("/metrics/summary", params={"since": "soon"}).status_code == 422


def db_alert(fingerprint: str) -> AlertEvent:
    return AlertEvent(
        "alertmanager", fingerprint, Action.TRIGGERED, name="Lag", labels={"team": "db", "cluster": "eu-1"}
    )


def test_each_step_of_an_escalation_chain_is_a_page(database_url: str) -> None:
    chain = {"steps": [{"channels": ["email"], "wait": "5m"}, {"channels": ["teams"], "wait": "5m"}]}
    with running(database_url, routes=[{"name": "db", "match": '{team="db"}', "escalation": chain}]) as env:
        env.runtime.mediator.apply(db_alert("lag-1"))
        env.at(10)
        assert env.runtime.mediator.fire_due() == 1  # escalated, to email
        env.at(15)
        assert env.runtime.mediator.fire_due() == 1  # the reminder, to teams
        body = env.summary()
        assert (body["period"]["alerts_received"], body["period"]["pages_sent"]) == (1, 2)  # type: ignore[index]
        assert body["hourly"][-1] == {"hour": "2026-01-14T03:00:00Z", "alerts_in": 1, "pages_out": 2}  # type: ignore[index]


def test_an_incident_message_is_one_page_for_all_its_alerts(database_url: str) -> None:
    with running(database_url, group_by=["cluster"], group_wait="30s") as env:
        for name in ("db", "api", "web"):
            env.runtime.mediator.apply(db_alert(name))
        env.clock.advance(600)
        env.runtime.mediator.fire_due()  # three escalations, collected on their incident
        assert env.summary()["period"]["pages_sent"] == 0  # type: ignore[index]
        env.clock.advance(30)
        env.runtime.mediator.fire_due()  # the incident's message, to teams and email
        body = env.summary()
        assert (body["period"]["alerts_received"], body["period"]["pages_sent"]) == (3, 1)  # type: ignore[index]


def test_a_period_from_any_instant_counts_each_alert_once(env: Env) -> None:
    """The store groups rows per hour and side of since: a since inside an hour, or before the chart's
    24 hours, splits them exactly."""
    env.clock.now = env.clock.now.replace(day=12, hour=10, minute=0)  # before the chart's hours
    env.post("two-days-ago")
    env.clock.now = env.clock.now.replace(day=13, hour=22, minute=10)
    env.post("before-since")
    env.clock.now = env.clock.now.replace(minute=40)
    env.post("after-since")
    env.clock.now = env.clock.now.replace(day=14, hour=3, minute=0)
    env.post("today")
    for since, expected in (
        ("2026-01-13T22:30:00Z", 2),
        ("2026-01-13T22:00:00Z", 3),
        ("2026-01-12T00:00:00Z", 4),
        ("2026-01-14T03:00:00Z", 1),
    ):
        body = env.summary(since=since)
        assert body["period"]["alerts_received"] == expected, since  # type: ignore[index]
        hourly = {h["hour"]: h["alerts_in"] for h in body["hourly"]}  # type: ignore[union-attr,index]
        assert hourly["2026-01-13T22:00:00Z"] == 2
        assert hourly["2026-01-14T03:00:00Z"] == 1
        assert sum(hourly.values()) == 3  # two days ago is before the chart
