"""``holdoff replay`` of recorded raw webhooks decides what the running service decides for them.

One stream mixes every source's raw webhook (Coralogix, CloudWatch through SNS, Alertmanager, Grafana,
AWS Health, Security Hub, generic JSON): transients, escalations, an escalation chain, re-deliveries,
an SNS subscription handshake and an ignored INSUFFICIENT_DATA. It is replayed by the real command
(``holdoff replay --decisions``) and posted, line by line, to the API of a service whose clock is set
to each line's time (workers off; the scheduler's due work run by hand as time advances).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from holdoff.api.app import create_app
from holdoff.ingest.registry import BY_NAME
from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.message import Message
from holdoff.runtime import Runtime
from holdoff.settings import load_settings
from holdoff.store.tables import alert_events, alerts, notifications
from tests.service.helpers import FakeClock

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
TICK = 10
"""Seconds between two runs of the service's due work. Every time in the stream and the policy is a
multiple of it, so every timer falls on a tick (see the test's docstring)."""
HORIZON = 1800
"""Seconds after T0 the comparison covers; every timer of the stream has run out by then."""

CONFIG = {
    "grace_seconds": 300,
    "sns_verify_signatures": False,  # the samples carry no real signature; replay never checks one
    "routes": [
        {
            "name": "security",
            "match": '{source="securityhub"}',
            "escalation": {
                "steps": [
                    {"channels": ["email", "teams"], "wait": "5m"},
                    {"channels": ["email"], "wait": "5m"},
                ],
                "repeat": 2,
            },
        }
    ],
}


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return data


def coralogix(alert_id: str, action: str) -> dict[str, Any]:
    return {"alert_id": alert_id, "alert_name": f"Coralogix {alert_id}", "alert_action": action}


def cloudwatch(state: str, at: str) -> dict[str, Any]:
    envelope = sample("cloudwatch-alarm-sns.json")
    message = json.loads(envelope["Message"])
    envelope["Message"] = json.dumps({**message, "NewStateValue": state, "StateChangeTime": at})
    return envelope


SUBSCRIPTION = {
    "Type": "SubscriptionConfirmation",
    "MessageId": "m-subscribe",
    "Token": "t" * 32,
    "TopicArn": "arn:aws:sns:us-east-1:111122223333:ops-alarms",
    "Message": "You have chosen to subscribe to the topic",
    "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t",
    "Timestamp": "2026-11-22T07:59:59.000Z",
    "SignatureVersion": "1",
    "Signature": "c2ln",
    "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem",
}


def securityhub(status: str, updated: str) -> dict[str, Any]:
    event = sample("securityhub-finding-asff.json")
    finding = event["detail"]["findings"][0]
    finding["Workflow"] = {"Status": status}
    finding["UpdatedAt"] = updated
    return event


def generic(status: str) -> dict[str, Any]:
    return {"id": "disk-full-db1", "name": "Disk full", "status": status, "labels": {"host": "db1"}}


@dataclass(frozen=True)
class Line:
    second: int
    webhook: str
    body: dict[str, Any]
    method: str = "POST"
    as_text: bool = False
    """Posted as text/plain, and recorded as the text (as SNS sends it)."""


def stream() -> list[Line]:
    firing = sample("alertmanager-webhook-firing.json")
    return [
        Line(0, "cloudwatch", SUBSCRIPTION),  # confirmed live; stands for no alert in a recording
        Line(0, "coralogix", coralogix("cx-disk", "TRIGGERED")),  # escalates at 300, resolves at 900
        Line(10, "alertmanager", firing),  # resolves at 120: a transient
        Line(20, "grafana", sample("grafana-webhook-firing.json")),  # escalates at 320, stays escalated
        Line(30, "cloudwatch", cloudwatch("ALARM", "2026-11-22T08:00:30.000+0000"), as_text=True),
        Line(40, "securityhub", securityhub("NEW", "2026-11-22T08:00:40.000Z")),  # chain from 340
        Line(50, "aws-health", sample("aws-health-eventbridge-lifecycle.json")),  # escalates at 350
        Line(60, "aws-health", sample("aws-health-eventbridge-issue.json")),  # closed when first seen
        Line(60, "cloudwatch", cloudwatch("OK", "2026-11-22T08:01:00.000+0000")),  # a transient
        Line(70, "generic", generic("firing")),
        Line(100, "alertmanager", copy.deepcopy(firing)),  # re-delivered: changes nothing
        Line(120, "alertmanager", sample("alertmanager-webhook-resolved.json")),
        Line(200, "generic", generic("resolved")),  # a transient
        Line(400, "generic", generic("firing")),  # a new occurrence: escalates at 700
        Line(900, "coralogix", coralogix("cx-disk", "RESOLVED"), method="PUT"),
        Line(950, "coralogix", sample("coralogix-webhook-minimal.json")),  # escalates at 1250
        Line(1000, "cloudwatch", cloudwatch("INSUFFICIENT_DATA", "2026-11-22T08:16:40.000+0000")),
        Line(1500, "securityhub", securityhub("RESOLVED", "2026-11-22T08:25:00.000Z")),
    ]


def record(lines: list[Line]) -> str:
    """The stream as ``holdoff replay`` reads it: one raw webhook per line."""
    recorded = []
    for line in lines:
        at = (T0 + timedelta(seconds=line.second)).isoformat().replace("+00:00", "Z")
        body: Any = json.dumps(line.body) if line.as_text else line.body
        recorded.append(json.dumps({"at": at, "webhook": line.webhook, "body": body}))
    return "\n".join(recorded) + "\n"


@dataclass
class Alert:
    """What was decided for one alert: the comparison's unit."""

    states: list[tuple[datetime, str]] = field(default_factory=list)
    """Every recorded step, in order: when, and the state after it."""
    messages: list[tuple[datetime, str, str]] = field(default_factory=list)
    """Every message decided about it: when, kind, channel."""

    @property
    def final_state(self) -> str:
        return self.states[-1][1]

    @property
    def escalated(self) -> bool:
        return any(state == "escalated" for _, state in self.states)

    def per_kind(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for _, kind, _ in self.messages:
            counts[kind] += 1
        return dict(counts)


def replayed(tmp_path: Path, config: Path, lines: list[Line]) -> dict[str, Alert]:
    """Run ``holdoff replay --decisions`` on the recorded stream; what it decided, per alert."""
    recorded = tmp_path / "stream.jsonl"
    recorded.write_text(record(lines))
    decisions = tmp_path / "decisions.jsonl"
    env = {name: value for name, value in os.environ.items() if not name.startswith("HOLDOFF_")}
    command = ["replay", str(recorded), "--config", str(config), "--decisions", str(decisions), "--json"]
    result = subprocess.run(
        [sys.executable, "-m", "holdoff", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, Alert] = defaultdict(Alert)
    for text in decisions.read_text().splitlines():
        entry = json.loads(text)
        at = datetime.fromisoformat(entry["at"])
        assert at <= T0 + timedelta(seconds=HORIZON), f"a decision after the horizon: {entry}"
        if entry["type"] == "event":
            found[entry["alert"]].states.append((at, entry["state"]))
        else:
            assert entry["incident"] is None  # no route groups: every message is about one alert
            for alert in entry["alerts"]:
                found[alert].messages += [(at, entry["kind"], channel) for channel in entry["channels"]]
    return found


class Kept:
    """A configured channel that is never called: workers are off, messages stay in the outbox."""

    kinds: frozenset[NotificationKind] | None = None
    rate_per_second: float | None = None

    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        raise AssertionError(f"{self.name} was asked to send {message.title!r}; workers are off")

    def close(self) -> None:
        pass


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Runtime, FakeClock]]:
    yield from start_service(CONFIG, database_url, tmp_path)


def start_service(
    settings_yaml: dict[str, Any], database_url: str, tmp_path: Path
) -> Iterator[tuple[TestClient, Runtime, FakeClock]]:
    """A service configured by ``settings_yaml`` (also written to ``tmp_path/holdoff.yaml`` for replay),
    its clock at T0, workers off, its channels never called."""
    config = tmp_path / "holdoff.yaml"
    config.write_text(yaml.safe_dump(settings_yaml))
    settings = load_settings(config_file=config, database_url=database_url)
    clock = FakeClock()
    clock.now = T0
    runtime = Runtime(
        settings, clock=clock, channels={name: Kept(name) for name in ("teams", "email")}, run_workers=False
    )
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        yield client, runtime, clock


def run_due_work(runtime: Runtime) -> None:
    """What the scheduler loop does at one instant: fire everything due, until nothing is."""
    for _ in range(100):
        if runtime.mediator.fire_due() == 0:
            return
    raise AssertionError("the due work never ran out")


def post(client: TestClient, line: Line) -> None:
    endpoint = BY_NAME[line.webhook].endpoint
    if line.as_text:
        response = client.request(
            line.method, endpoint, content=json.dumps(line.body), headers={"Content-Type": "text/plain"}
        )
    else:
        response = client.request(line.method, endpoint, json=line.body)
    assert response.status_code in (200, 202), response.text


def served(client: TestClient, runtime: Runtime, clock: FakeClock, lines: list[Line]) -> dict[str, Alert]:
    """Post the stream in order to the service, the clock at each line's time; what it decided, per alert."""
    confirmed: list[str] = []
    runtime.sns_fetch_status = lambda url: confirmed.append(url) or 200  # type: ignore[func-returns-value]
    pending = list(lines)
    for second in range(0, HORIZON + TICK, TICK):
        clock.now = T0 + timedelta(seconds=second)
        run_due_work(runtime)  # timers due by now fire before the lines of now, as in replay
        while pending and pending[0].second == second:
            post(client, pending.pop(0))
    assert pending == [], "every line's time must be a multiple of TICK"
    assert confirmed == [SUBSCRIPTION["SubscribeURL"]]
    found: dict[str, Alert] = defaultdict(Alert)
    with runtime.db.read() as conn:
        names = {
            row.id: f"{row.source}/{row.fingerprint}"
            for row in conn.execute(select(alerts.c.id, alerts.c.source, alerts.c.fingerprint))
        }
        steps = select(alert_events.c.alert_id, alert_events.c.at, alert_events.c.state_after)
        for row in conn.execute(steps.order_by(alert_events.c.id)):
            found[names[row.alert_id]].states.append((row.at, row.state_after))
        sent = select(notifications.c.alert_id, notifications.c.created_at, notifications.c.kind)
        for row in conn.execute(sent.add_columns(notifications.c.channel).order_by(notifications.c.id)):
            found[names[row.alert_id]].messages.append((row.created_at, row.kind, row.channel))
    return found


def test_replaying_raw_webhooks_of_every_source_decides_what_the_service_decides(
    service: tuple[TestClient, Runtime, FakeClock], tmp_path: Path
) -> None:
    """Per alert, replay and service agree on every recorded step (when, and the state after it), so
    on the final state and on whether it escalated, and on every message (when, kind, channel).

    They agree on the times too, not only on the order, because the service's due work runs on a
    10-second tick and every time in the stream and the policy (grace 5m, chain steps of 5m) is a
    multiple of it: each grace deadline and chain step falls on a tick, where the service fires it at
    the instant replay does (replay fires timers exactly when due, before the events of that instant;
    the service runs its due work before posting that instant's lines). A timer off the tick would
    fire up to one tick later in the service; the states and messages would agree, not their times.
    """
    client, runtime, clock = service
    lines = stream()
    assert {line.webhook for line in lines} == set(BY_NAME)  # every source of the table is in it
    by_replay = replayed(tmp_path, tmp_path / "holdoff.yaml", lines)
    by_service = served(client, runtime, clock, lines)

    assert sorted(by_service) == sorted(by_replay)
    for alert in sorted(by_service):
        ours, theirs = by_service[alert], by_replay[alert]
        assert (ours.final_state, ours.escalated, ours.per_kind()) == (
            theirs.final_state,
            theirs.escalated,
            theirs.per_kind(),
        ), alert
        assert ours.states == theirs.states, alert
        assert sorted(ours.messages) == sorted(theirs.messages), alert

    # The stream is worth comparing: it holds each kind of decision at least once.
    finals = {alert: decided.final_state for alert, decided in by_service.items()}
    assert set(finals.values()) == {"resolved", "escalated"}
    kinds = {kind for decided in by_service.values() for _, kind, _ in decided.messages}
    assert kinds == {"escalated", "reminder", "resolved", "transient_resolved"}
    assert sum(decided.escalated for decided in by_service.values()) == 6
