"""``holdoff replay`` correlates as the service does: a cascade across sources pages once, its late
symptom becomes an update, an unrelated incident elsewhere pages on its own, and ``--decisions`` says why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def holdoff(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOFF_")}
    return subprocess.run(
        [sys.executable, "-m", "holdoff", *args], env=env, capture_output=True, text=True, timeout=120
    )


def _at(seconds: int) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def alertmanager(seconds: int, status: str, name: str, truth: str, **labels: str) -> dict[str, Any]:
    alert = {
        "status": status,
        "labels": {"alertname": name, **labels},
        "annotations": {"summary": name},
        "startsAt": _at(0 if name == "PostgresDown" else 30),
        "endsAt": _at(seconds) if status == "resolved" else "0001-01-01T00:00:00Z",
        "fingerprint": f"fp-{name}-{labels.get('service', '')}",
    }
    body = {"version": "4", "status": status, "receiver": "holdoff", "alerts": [alert]}
    return {
        "at": _at(seconds),
        "webhook": "alertmanager",
        "body": body,
        "truth": {"kind": "incident", "incident": truth},
    }


def coralogix(seconds: int, action: str, subsystem: str, truth: str) -> dict[str, Any]:
    body = {
        "alert_id": f"cx-{subsystem}",
        "name": "Error logs spike",
        "alert_action": action,
        "fields": [
            {"key": "subsystem", "value": subsystem},
            {"key": "severity", "value": "error"},
        ],
    }
    return {
        "at": _at(seconds),
        "webhook": "coralogix",
        "body": body,
        "truth": {"kind": "incident", "incident": truth},
    }


def cascade() -> list[dict[str, Any]]:
    """payments-db goes down (Alertmanager); a minute later checkout's error logs spike (Coralogix, which names
    the service only as its subsystem); both clear after 40 minutes."""
    db = {"service": "payments-db", "cluster": "eu-1", "node": "n7", "severity": "critical"}
    return [
        alertmanager(0, "firing", "PostgresDown", "INC-1", **db),
        coralogix(60, "TRIGGERED", "checkout", "INC-1"),
        alertmanager(2400, "resolved", "PostgresDown", "INC-1", **db),
        coralogix(2460, "RESOLVED", "checkout", "INC-1"),
    ]


def replay(
    tmp_path: Path, lines: list[dict[str, Any]], correlation: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    stream = tmp_path / "stream.jsonl"
    stream.write_text("".join(json.dumps(line) + "\n" for line in sorted(lines, key=lambda line: line["at"])))
    config = tmp_path / "holdoff.yaml"
    config.write_text(
        yaml.safe_dump(
            {"policy": {"grace_seconds": 300, "group_by": ["service"]}, "correlation": correlation}
        )
    )
    decisions = tmp_path / "decisions.jsonl"
    result = holdoff("replay", str(stream), "--config", str(config), "--decisions", str(decisions), "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), [json.loads(line) for line in decisions.read_text().splitlines()]


TOPOLOGY = {"topology": {"checkout": ["payments-db"]}}


def test_a_cascade_across_sources_pages_once_and_the_symptom_updates_the_incident(tmp_path: Path) -> None:
    report, decisions = replay(tmp_path, cascade(), TOPOLOGY)
    assert report["pages"] == 1
    assert report["correlated"] == 1
    assert report["messages"]["teams"]["correlated"] == 1
    truth = report["truth"]
    assert truth["pages_per_real_incident"] == 1.0
    assert truth["missed"] == [] and truth["split"] == [] and truth["wrongly_joined"] == []
    joins = [line for line in decisions if line["type"] == "correlation" and line["decision"] == "join"]
    assert len(joins) == 1
    assert joins[0]["service"] == "checkout"
    texts = [reason["text"] for reason in joins[0]["reasons"]]
    assert "checkout depends on payments-db (topology)" in texts
    update = next(line for line in decisions if line["type"] == "message" and line["kind"] == "correlated")
    assert update["page"] is False
    assert update["correlated"] == joins[0]["into"]


def test_with_correlation_off_each_service_pages(tmp_path: Path) -> None:
    report, decisions = replay(tmp_path, cascade(), {"enabled": False, **TOPOLOGY})
    assert report["pages"] == 2
    assert report["correlated"] == 0
    assert report["truth"]["split"] == ["INC-1"]
    assert not [line for line in decisions if line["type"] == "correlation"]


def test_without_evidence_the_cascade_is_not_joined_time_alone_never_joins(tmp_path: Path) -> None:
    report, decisions = replay(tmp_path, cascade(), {"topology_labels": {}})
    assert report["pages"] == 2
    new = [line for line in decisions if line["type"] == "correlation" and line["service"] == "checkout"]
    assert new[0]["decision"] == "new"
    assert "time alone never joins" in new[0]["reasons"][0]["text"]


def test_a_simultaneous_unrelated_incident_elsewhere_pages_on_its_own(tmp_path: Path) -> None:
    other = {"service": "search", "cluster": "us-2", "node": "u3", "severity": "critical"}
    lines = [
        *cascade(),
        alertmanager(30, "firing", "HighErrorRate", "INC-2", **other),
        alertmanager(2000, "resolved", "HighErrorRate", "INC-2", **other),
    ]
    report, _ = replay(tmp_path, lines, TOPOLOGY)
    truth = report["truth"]
    assert report["pages"] == 2
    assert truth["pages_per_real_incident"] == 1.0
    assert truth["wrongly_joined"] == [] and truth["missed"] == []
