"""With grouping and correlation, ``holdoff replay`` of recorded webhooks sends what the service sends: the
same messages (when, kind, channel), and the same joins (which service's group joined which incident).

The stream is a cascade across sources (payments-db down on Alertmanager, checkout's error logs on
Coralogix a minute later), an unrelated incident in another cluster, and a blip that clears inside its
grace window. Times are multiples of the service's 10-second tick (see the docstring of
``tests/replay/test_replay_matches_service.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from holdoff.runtime import Runtime
from holdoff.store import correlation as correlation_store
from holdoff.store.tables import incidents, notifications
from tests.replay.test_replay_matches_service import Line, post, record, run_due_work, start_service
from tests.service.helpers import FakeClock

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
TICK = 10
HORIZON = 2400
CONFIG = {
    "grace_seconds": 300,
    "group_by": ["service"],
    "correlation": {"topology": {"checkout": ["payments-db"]}},
}


def _at(second: int) -> str:
    return (T0 + timedelta(seconds=second)).isoformat().replace("+00:00", "Z")


def alertmanager(second: int, status: str, name: str, labels: dict[str, str]) -> Line:
    alert = {
        "status": status,
        "labels": {"alertname": name, **labels},
        "annotations": {},
        "startsAt": _at(second if status == "firing" else 0),
        "endsAt": _at(second) if status == "resolved" else "0001-01-01T00:00:00Z",
    }
    body = {"version": "4", "status": status, "receiver": "holdoff", "alerts": [alert]}
    return Line(second, "alertmanager", body)


def coralogix(second: int, action: str, alert_id: str, subsystem: str) -> Line:
    body = {
        "alert_id": alert_id,
        "name": f"Error logs spike on {subsystem}",
        "alert_action": action,
        "fields": [{"key": "subsystem", "value": subsystem}, {"key": "severity", "value": "error"}],
    }
    return Line(second, "coralogix", body)


DB = {"service": "payments-db", "cluster": "eu-1", "node": "n7", "severity": "critical"}
SEARCH = {"service": "search", "cluster": "us-2", "severity": "high"}


def stream() -> list[Line]:
    return [
        alertmanager(0, "firing", "PostgresDown", DB),
        coralogix(60, "TRIGGERED", "cx-checkout", "checkout"),
        alertmanager(90, "firing", "HighLatency", SEARCH),
        coralogix(120, "TRIGGERED", "cx-blip", "cart"),
        coralogix(200, "RESOLVED", "cx-blip", "cart"),
        alertmanager(1200, "resolved", "PostgresDown", DB),
        coralogix(1260, "RESOLVED", "cx-checkout", "checkout"),
        alertmanager(1300, "resolved", "HighLatency", SEARCH),
    ]


def replayed(tmp_path: Path) -> tuple[Counter[tuple[datetime, str, str]], set[tuple[str, str]]]:
    recorded = tmp_path / "stream.jsonl"
    recorded.write_text(record(stream()))
    decisions = tmp_path / "decisions.jsonl"
    env = {name: value for name, value in os.environ.items() if not name.startswith("HOLDOFF_")}
    config = tmp_path / "holdoff.yaml"
    command = ["replay", str(recorded), "--config", str(config), "--decisions", str(decisions), "--json"]
    result = subprocess.run(
        [sys.executable, "-m", "holdoff", *command], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    messages: Counter[tuple[datetime, str, str]] = Counter()
    services: dict[int, str] = {}
    joins: list[tuple[str, int]] = []
    for text in decisions.read_text().splitlines():
        entry: dict[str, Any] = json.loads(text)
        at = datetime.fromisoformat(entry["at"])
        if entry["type"] == "message":
            messages.update((at, entry["kind"], channel) for channel in entry["channels"])
        elif entry["type"] == "correlation":
            services[entry["incident"]] = entry["service"]
            if entry["decision"] == "join":
                joins.append((entry["service"], entry["into"]))
    return messages, {(service, services[lead]) for service, lead in joins}


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Runtime, FakeClock]]:
    yield from start_service(CONFIG, database_url, tmp_path)


def served(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> tuple[Counter[tuple[datetime, str, str]], set[tuple[str, str]]]:
    pending = stream()
    for second in range(0, HORIZON + TICK, TICK):
        clock.now = T0 + timedelta(seconds=second)
        run_due_work(runtime)
        while pending and pending[0].second == second:
            post(client, pending.pop(0))
    assert pending == []
    with runtime.db.read() as conn:
        sent = select(notifications.c.created_at, notifications.c.kind, notifications.c.channel)
        messages = Counter((row.created_at, row.kind, row.channel) for row in conn.execute(sent))
        leads = [row.id for row in conn.execute(select(incidents.c.id))]
        joins = set()
        for lead in leads:
            members = correlation_store.members(conn, lead)
            joins |= {(m.member.service, members[0].member.service) for m in members[1:] if m.lead_id == lead}
    return messages, joins


def test_replay_correlates_what_the_service_correlates(
    service: tuple[TestClient, Runtime, FakeClock], tmp_path: Path
) -> None:
    client, runtime, clock = service
    by_replay = replayed(tmp_path)
    by_service = served(client, runtime, clock)
    assert by_service == by_replay
    messages, joins = by_service
    assert joins == {("checkout", "payments-db")}
    kinds = Counter(kind for _, kind, _ in messages.elements())
    # checkout's page became an update of payments-db's incident, on Teams and e-mail
    assert kinds["correlated"] == 2
    assert kinds["escalated"] == 4  # payments-db and search, on Teams and e-mail
    assert kinds["transient_resolved"] == 1  # the blip on cart
