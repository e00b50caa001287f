"""Alerts in → pages out: the dashboard's card on the first paint, the chart's series and
``GET /metrics/summary`` say the same, on SQLite and PostgreSQL.

The first paint carries the card's figures in its HTML and the summary the chart is drawn from as JSON
(``#initial-summary``); both must equal what ``/metrics/summary`` answers at the same instant.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from holdoff.api.app import create_app
from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.message import Message
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from holdoff.store.tables import notifications
from tests.service.helpers import FakeClock

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
CARD = re.compile(
    r'<div class="card card-today" id="today-card"(?P<attrs>[^>]*)>\s*'
    r'<span class="count"><span id="today-in">(?P<alerts_in>\d+)</span> → '
    r'<span id="today-out">(?P<pages_out>\d+)</span></span>'
)
INITIAL_SUMMARY = re.compile(r'<script type="application/json" id="initial-summary">(.*?)</script>', re.S)


@dataclass
class Channel:
    name: str
    ok: bool = True
    kinds: frozenset[NotificationKind] | None = None
    rate_per_second: float | None = None

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        return DeliveryResult(ok=self.ok, retryable=False, error=None if self.ok else "HTTP 400")

    def close(self) -> None:
        pass


@dataclass
class Dashboard:
    client: TestClient
    runtime: Runtime
    clock: FakeClock

    def post(self, alert_id: str, action: str = "TRIGGERED") -> int:
        body = {"alert_id": alert_id, "alert_name": f"Alert {alert_id}", "alert_action": action}
        response = self.client.post("/coralogix/webhook", json=body)
        assert response.status_code == 202, response.text
        return int(response.json()["alert_id"])

    def api(self) -> dict[str, Any]:
        response = self.client.get("/metrics/summary")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def first_paint(self) -> tuple[tuple[int, int], dict[str, Any]]:
        """The card's ``alerts in → pages out`` as the HTML shows it, and the chart's summary JSON."""
        response = self.client.get("/", headers=HTML)
        assert response.status_code == 200, response.text
        card = CARD.search(response.text)
        assert card is not None, "the today card is not on the first paint"
        assert "hidden" not in card["attrs"], "the today card is hidden on the first paint"
        embedded = INITIAL_SUMMARY.search(response.text)
        assert embedded is not None, "the first paint carries no summary for the chart"
        return (int(card["alerts_in"]), int(card["pages_out"])), json.loads(embedded[1])

    def all_three(self) -> tuple[int, int]:
        """Today's alerts in and pages out, after checking the card, the chart and the API agree."""
        api = self.api()
        card, chart = self.first_paint()
        assert chart == api, "the chart's first paint and /metrics/summary differ"
        period = api["period"]
        assert card == (period["alerts_received"], period["pages_sent"])
        today = [h for h in api["hourly"] if h["hour"] >= period["since"]]
        assert (sum(h["alerts_in"] for h in today), sum(h["pages_out"] for h in today)) == card
        return card


@pytest.fixture
def dashboard(database_url: str) -> Iterator[Dashboard]:
    clock = FakeClock()  # 2026-01-14 03:00 UTC
    settings = Settings(database_url=database_url, grace_seconds=600, public_url="https://holdoff.test")
    channels = {"teams": Channel("teams"), "email": Channel("email")}
    runtime = Runtime(settings, channels=channels, clock=clock, run_workers=False)  # type: ignore[arg-type]
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        yield Dashboard(client, runtime, clock)


def test_an_empty_day_shows_zero_to_zero_on_the_first_paint(dashboard: Dashboard) -> None:
    assert dashboard.all_three() == (0, 0)


def test_one_pending_alert_received_today_is_one_alert_in_everywhere(dashboard: Dashboard) -> None:
    dashboard.clock.now = dashboard.clock.now.replace(minute=7)
    dashboard.post("cpu-1")
    body = dashboard.api()
    assert body["states"]["pending"] == 1
    assert body["period"]["alerts_received"] == 1
    assert body["period"]["pages_sent"] == 0
    assert body["hourly"][-1] == {"hour": "2026-01-14T03:00:00Z", "alerts_in": 1, "pages_out": 0}
    assert sum(h["alerts_in"] for h in body["hourly"]) == 1
    card, _ = dashboard.first_paint()
    assert card == (1, 0)  # "1 → 0"
    assert dashboard.all_three() == (1, 0)


def test_an_escalation_is_one_page_out_everywhere_however_many_channels(dashboard: Dashboard) -> None:
    dashboard.post("cpu-1")
    dashboard.clock.advance(600)  # the grace window is over
    assert dashboard.runtime.mediator.fire_due() == 1
    with dashboard.runtime.db.read() as conn:
        channels = conn.execute(select(notifications.c.channel, notifications.c.kind)).all()
    assert sorted(channels) == [("email", "escalated"), ("teams", "escalated")]
    body = dashboard.api()
    assert body["period"]["pages_sent"] == 1
    assert body["hourly"][-1]["pages_out"] == 1
    assert dashboard.all_three() == (1, 1)


def test_a_page_counts_when_queued_whatever_its_delivery(dashboard: Dashboard) -> None:
    for channel in dashboard.runtime.channels.values():
        channel.ok = False  # type: ignore[attr-defined]
    dashboard.post("cpu-1")
    dashboard.clock.advance(600)
    dashboard.runtime.mediator.fire_due()
    assert dashboard.all_three() == (1, 1)
    dashboard.runtime.sender.run_once()  # every channel refuses for good
    with dashboard.runtime.db.read() as conn:
        assert set(conn.execute(select(notifications.c.status)).scalars()) == {"failed"}
    assert dashboard.all_three() == (1, 1)  # what was decided stays counted


def test_a_trigger_after_resolution_is_another_alert_in_and_a_repeat_is_not(dashboard: Dashboard) -> None:
    dashboard.post("cpu-1")
    dashboard.clock.advance(60)
    dashboard.post("cpu-1")  # still firing: the same occurrence
    assert dashboard.all_three() == (1, 0)
    dashboard.post("cpu-1", "RESOLVED")  # transient: nobody paged
    dashboard.clock.advance(60)
    dashboard.post("cpu-1")  # fires again: a new occurrence
    assert dashboard.all_three() == (2, 0)


def test_a_new_utc_day_empties_the_card_and_keeps_the_chart(dashboard: Dashboard) -> None:
    dashboard.clock.now = dashboard.clock.now.replace(hour=23, minute=30)
    dashboard.post("cpu-1")
    assert dashboard.all_three() == (1, 0)
    dashboard.clock.advance(3600)  # 00:30 the next day
    assert dashboard.all_three() == (0, 0)
    hourly = dashboard.api()["hourly"]
    assert [h["hour"] for h in hourly if h["alerts_in"]] == ["2026-01-14T23:00:00Z"]
