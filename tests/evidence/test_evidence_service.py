"""The evidence shell on SQLite and PostgreSQL: a row scheduled when an alert is held, computed by the
evidence loop (error templates of the service's logs, related alerts, change events), refreshed while the
alert is held, final once it escalates; the escalation decided on the evidence and its message carrying
the summary."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from holdoff.api.app import create_app
from holdoff.logs.lookup.query import FoundLine, LookupFailed, LookupQuery
from holdoff.runtime import Runtime
from holdoff.store import alert_evidence
from holdoff.store.tables import notifications
from tests.service.helpers import FakeClock, make_settings
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

NDJSON = {"Content-Type": "application/x-ndjson"}
GENERIC = {"generic": {"mapping": {"starts_at": "starts_at"}}}
ROUTES = [
    {"name": "errors-page", "match": "{}", "error_logs": True, "channels": {"escalated": ["email"]}},
    {"name": "clean-logs-chat", "match": "{}", "error_logs": False, "channels": {"escalated": ["teams"]}},
]


class Harness:
    def __init__(self, runtime: Runtime, client: TestClient, clock: FakeClock) -> None:
        self.runtime, self.client, self.clock = runtime, client, clock
        self.t0 = clock.now

    def at(self, minutes: float) -> datetime:
        return self.t0 + timedelta(minutes=minutes)

    def logs(self, *lines: tuple[float, str, str], host: str = "web-1") -> None:
        body = "\n".join(
            json.dumps(
                {
                    "timestamp": self.at(m).isoformat(),
                    "service": "web",
                    "host": host,
                    "level": lvl,
                    "message": msg,
                }
            )
            for m, lvl, msg in lines
        )
        response = self.client.post("/logs", content=body + "\n", headers=NDJSON)
        assert response.status_code == 202, response.text

    def fire(self, fingerprint: str, minutes: float, **labels: str) -> int:
        body = {
            "id": fingerprint,
            "status": "firing",
            "labels": labels,
            "starts_at": self.at(minutes).isoformat(),
        }
        response = self.client.post("/webhooks/generic", json=body)
        assert response.status_code == 202, response.text
        [alert] = [a for a in self.client.get("/alerts").json()["items"] if a["fingerprint"] == fingerprint]
        found: int = alert["id"]
        return found

    def evidence(self, alert_id: int) -> dict[str, Any]:
        response = self.client.get(f"/alerts/{alert_id}/evidence")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def messages(self, alert_id: int) -> list[tuple[str, dict[str, Any]]]:
        with self.runtime.db.read() as conn:
            rows = conn.execute(
                select(notifications.c.channel, notifications.c.message).where(
                    notifications.c.alert_id == alert_id
                )
            )
            return [(channel, message) for channel, message in rows]


@pytest.fixture
def harness(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, log_model_dir: Path
) -> Iterator[Harness]:
    clock = FakeClock()
    settings = make_settings(
        database_url,
        teams_receiver,
        smtp_sink,
        sources=GENERIC,
        logs={"classifier": {"model_dir": str(log_model_dir)}},
        policy={"grace_seconds": 600, "routes": ROUTES},
    )
    runtime = Runtime(settings, clock=clock, run_workers=False)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        yield Harness(runtime, client, clock)


def test_evidence_is_scheduled_when_held_computed_refreshed_and_final_once_escalated(
    harness: Harness,
) -> None:
    h = harness
    h.logs((-180, "info", "GET /health 200 in 4 ms"), (-180, "error", "connection refused to db-3:5432"))
    h.logs(
        (-3, "info", "GET /health 200 in 3 ms"),
        (-2, "error", "connection refused to db-1:5432"),
        (-1, "error", "connection refused to db-2:5432"),
        (0, "error", "connection refused to db-1:5432"),
    )
    deploy = {"type": "deploy", "service": "web", "at": h.at(-10).isoformat(), "summary": "web v1.4.2"}
    assert h.client.post("/events", json=deploy).status_code == 201
    other = h.fire("web-2-latency", -1, service="web", host="web-2")
    alert = h.fire("cpu-web-1", 0, service="web", host="web-1", alertname="CPU anomaly on web-1")

    scheduled = h.evidence(alert)
    assert scheduled["state"] == "scheduled" and scheduled["evidence"] is None
    assert 'id="root-cause">No root-cause analysis yet.<' in h.client.get(f"/ui/alerts/{alert}").text

    assert h.runtime.evidence.run_once() == 2
    first = h.evidence(alert)
    assert first["state"] == "updating"
    evidence = first["evidence"]
    assert evidence["error_logs"] is True
    assert evidence["logs"]["store"] == "holdoff" and evidence["logs"]["error_lines"] == 3
    assert [(t["template"], t["count"]) for t in evidence["logs"]["top_errors"]] == [
        ("connection refused to <HOST>", 3)
    ]
    assert evidence["logs"]["first_error"]["message"] == "connection refused to db-1:5432"
    assert [r["alert_id"] for r in evidence["related"]] == [other]
    assert evidence["related"][0]["reason"] == "started 1m before; shares service=web"
    assert [(c["type"], c["summary"], c["same_service"]) for c in evidence["changes"]] == [
        ("deploy", "web v1.4.2", True)
    ]
    assert h.runtime.evidence.run_once() == 0  # nothing due until the refresh
    page = h.client.get(f"/ui/alerts/{alert}").text
    assert 'id="root-cause">Logs of web on web-1: 3 error line(s)' in page
    assert "<td>3</td><td><code>connection refused to &lt;HOST&gt;</code></td>" in page
    assert "deploy web: web v1.4.2" in page and f'href="/ui/alerts/{other}"' in page

    h.logs((1, "error", "disk full on /var/lib/data"))
    h.clock.advance(31)
    assert h.runtime.evidence.run_once() == 2
    refreshed = h.evidence(alert)
    assert refreshed["computed_at"] > first["computed_at"]
    assert refreshed["evidence"]["logs"]["error_lines"] == 4
    assert [t["template"] for t in refreshed["evidence"]["logs"]["new_templates"]] == ["disk full on <PATH>"]

    h.clock.advance(600)
    h.runtime.mediator.fire_due()
    [(channel, message)] = h.messages(alert)
    assert channel == "email"  # the errors-page branch: error logs were found
    facts = {fact["name"]: fact["value"] for fact in message["facts"]}
    assert 'top: "connection refused to <HOST>" (3)' in facts["Evidence"]

    assert h.runtime.evidence.run_once() == 2
    final = h.evidence(alert)
    assert final["state"] == "final" and final["next_at"] is None
    h.clock.advance(3600)
    assert h.runtime.evidence.run_once() == 0


def test_clean_logs_follow_the_other_branch(harness: Harness) -> None:
    h = harness
    h.logs((-2, "info", "GET /cart 200 in 12 ms"), (-1, "info", "GET /cart 200 in 9 ms"))
    alert = h.fire("cpu-web-1", 0, service="web", host="web-1")
    h.runtime.evidence.run_once()
    assert h.evidence(alert)["evidence"]["error_logs"] is False
    h.clock.advance(601)
    h.runtime.mediator.fire_due()
    [(channel, message)] = h.messages(alert)
    assert channel == "teams"
    facts = {fact["name"]: fact["value"] for fact in message["facts"]}
    assert facts["Evidence"].startswith("Logs of web on web-1: no error lines in 2 line(s)")


def test_no_evidence_yet_escalates_on_the_route_without_the_condition(harness: Harness) -> None:
    h = harness
    alert = h.fire("cpu-web-1", 0, service="web")
    h.clock.advance(601)
    h.runtime.mediator.fire_due()
    channels = sorted(channel for channel, _ in h.messages(alert))
    assert channels == ["email", "teams"]  # the default route's
    assert all("Evidence" not in {f["name"] for f in message["facts"]} for _, message in h.messages(alert))


def test_a_new_occurrence_schedules_its_evidence_again(harness: Harness) -> None:
    h = harness
    alert = h.fire("cpu-web-1", 0, service="web")
    h.runtime.evidence.run_once()
    resolve = {
        "id": "cpu-web-1",
        "status": "resolved",
        "labels": {"service": "web"},
        "starts_at": h.at(0).isoformat(),
    }
    assert h.client.post("/webhooks/generic", json=resolve).status_code == 202
    h.runtime.evidence.run_once()
    assert h.evidence(alert)["state"] == "final"
    h.clock.advance(60)
    h.fire("cpu-web-1", 1, service="web")
    again = h.evidence(alert)
    assert again["occurrence"] == 2 and again["state"] == "scheduled"


def test_an_alert_never_held_has_no_evidence_and_an_unknown_alert_is_404(harness: Harness) -> None:
    assert harness.client.get("/alerts/999/evidence").status_code == 404


def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out(harness: Harness) -> None:
    h = harness
    alert = h.fire("cpu-web-1", 0, service="web")
    now = h.clock.now
    with h.runtime.db.transaction() as conn:
        assert alert_evidence.claim_due(conn, now, now + timedelta(seconds=30), 10) == [(alert, 1)]
    with h.runtime.db.transaction() as conn:
        assert alert_evidence.claim_due(conn, now + timedelta(seconds=29), now, 10) == []
    with h.runtime.db.transaction() as conn:
        later = now + timedelta(seconds=30)
        assert alert_evidence.claim_due(conn, later, later + timedelta(seconds=30), 10) == [(alert, 1)]


class StoreStandIn:
    """A user's log store (Loki, OpenSearch ...) as the lookup sees it: lines with declared levels and
    no Holdoff templates; or failing."""

    name = "loki"

    def __init__(self, lines: list[FoundLine] | None) -> None:
        self.lines_given = lines
        self.asked: list[LookupQuery] = []

    def lines(self, query: LookupQuery) -> list[FoundLine]:
        self.asked.append(query)
        if self.lines_given is None:
            raise LookupFailed("loki answered HTTP 503: overloaded", source_name=self.name, status=503)
        return self.lines_given

    def describe(self) -> str:
        return "stand-in"

    def close(self) -> None:
        return None


def test_lines_from_the_users_store_are_mined_and_a_failing_store_leaves_the_evidence_unknown(
    harness: Harness,
) -> None:
    h = harness

    def found(minutes: float, level: str, message: str) -> FoundLine:
        return FoundLine(
            timestamp=h.at(minutes),
            service="web",
            host="web-1",
            level=level,
            message=message,
            source_name="loki",
        )

    store = StoreStandIn(
        [
            found(-1, "ERROR", "upstream reset by peer 10.0.0.7"),
            found(0, "error", "upstream reset by peer 10.0.0.9"),
        ]
    )
    h.runtime.evidence.lookup = store
    alert = h.fire("cpu-web-1", 0, service="web", host="web-1")
    h.runtime.evidence.run_once()
    [query] = store.asked
    assert (query.service, query.host) == ("web", "web-1")
    assert (query.start, query.end) == (h.at(-15), h.at(5))
    logs = h.evidence(alert)["evidence"]["logs"]
    assert logs["store"] == "loki"
    assert [(t["template"], t["count"], t["new"]) for t in logs["top_errors"]] == [
        ("upstream reset by peer <IP>", 2, False)
    ]

    store.lines_given = None
    h.clock.advance(31)
    h.runtime.evidence.run_once()
    unknown = h.evidence(alert)["evidence"]
    assert unknown["error_logs"] is None and unknown["logs"]["status"] == "failed"
    assert "loki answered HTTP 503" in unknown["summary"]
    h.clock.advance(600)
    h.runtime.mediator.fire_due()
    assert sorted(channel for channel, _ in h.messages(alert)) == ["email", "teams"]  # neither branch


def test_a_label_a_source_sent_in_the_evidence_labels_name_decides_nothing(harness: Harness) -> None:
    h = harness
    alert = h.fire("cpu-web-1", 0, service="web", holdoff_error_logs="true")
    h.clock.advance(601)
    h.runtime.mediator.fire_due()  # no evidence computed: unknown, whatever the label says
    assert sorted(channel for channel, _ in h.messages(alert)) == ["email", "teams"]
    labels = h.client.get(f"/alerts/{alert}").json()["labels"]
    assert "holdoff_error_logs" not in labels and labels["service"] == "web"  # dropped at the edge
