"""Log lines in a replayed stream: a failed-login burst and an error-rate spike become the log alerts the
service raises for the same records, held for the grace window then escalated; a quieter burst raises
none; a log line that cannot be replayed names its line (exit status 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from holdoff.logs.detect import build_all, default_detectors
from holdoff.logs.parse import parse_json_records
from holdoff.mediate.model import AlertEvent
from holdoff.policy.section import build_policy
from holdoff.replay.report import replay
from holdoff.replay.stream import StreamError, StreamEvent, parse_lines
from holdoff.service.log_ingest import LogIngest
from holdoff.service.log_judge import Judge
from holdoff.settings import Settings, load_settings
from holdoff.store import log_marks
from holdoff.store.db import Database
from holdoff.store.findings import LOG_FINDINGS
from holdoff.store.tables import log_detector_state

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
GRACE = 30


def iso(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def ssh_burst(count: int, address: str, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "record_id": f"auth.log:{address}:{index}",
            "timestamp": iso(start + index),
            "service": "sshd",
            "host": "bastion-1",
            "message": f"Failed password for invalid user admin{index} from {address} port {40000 + index} ssh2",
        }
        for index in range(count)
    ]


def error_spike(start: int) -> list[dict[str, Any]]:
    records = []
    for index in range(120):
        at = iso(start + index / 2)
        if index % 3 == 0:
            message = f"upstream request failed: status=503 path=/api/cart/{index} after 1200 ms"
            records.append({"timestamp": at, "service": "checkout", "level": "ERROR", "message": message})
        else:
            message = f"GET /api/cart/{index} served in {10 + index % 7} ms"
            records.append({"timestamp": at, "service": "checkout", "level": "INFO", "message": message})
    return records


def posts() -> list[tuple[float, list[dict[str, Any]]]]:
    """(seconds after T0, records) of each post: a burst (sent twice, as a retrying sender does), a
    quieter burst from another address, an error-rate spike in a sender's batches."""
    burst = ssh_burst(15, "203.0.113.7")
    out: list[tuple[float, list[dict[str, Any]]]] = [(15, burst), (16, burst)]
    out.append((120, ssh_burst(5, "198.51.100.4", start=110)))
    spike = error_spike(600)
    out += [(600 + (i + 40) / 2, spike[i : i + 40]) for i in range(0, len(spike), 40)]
    return out


def stream_lines() -> list[str]:
    lines = [json.dumps({"at": iso(at), "logs": records}) for at, records in posts()]
    lines.insert(
        0, json.dumps({"at": iso(0), "source": "generic", "fingerprint": "f1", "action": "triggered"})
    )
    return lines


def settings_with(model_dir: Path, tmp_path: Path) -> Settings:
    config = tmp_path / "holdoff.yaml"
    config.write_text(yaml.safe_dump({"grace_seconds": GRACE}))
    return load_settings(config_file=config, logs={"classifier": {"model_dir": str(model_dir)}})


def log_events(items: Iterator[StreamEvent] | list[StreamEvent]) -> list[StreamEvent]:
    return [item for item in items if item.event.source == "logs"]


def test_a_burst_and_a_spike_are_two_log_alerts_held_then_escalated(
    log_model_dir: Path, tmp_path: Path
) -> None:
    settings = settings_with(log_model_dir, tmp_path)
    decisions: list[dict[str, Any]] = []
    report = replay(
        build_policy(settings.policy, settings.delivery.fallback_channel),
        parse_lines(stream_lines(), settings),
        decisions=decisions.append,
    )
    firsts: dict[str, dict[str, Any]] = {}
    for entry in decisions:
        if entry["type"] == "event" and entry["alert"].startswith("logs/"):
            firsts.setdefault(entry["alert"], entry)
    assert len(firsts) == 2  # the quieter burst (5 failures) raised nothing
    assert all(entry["state"] == "pending" for entry in firsts.values())  # held first
    escalated = [
        entry
        for entry in decisions
        if entry["type"] == "message"
        and entry["kind"] == "escalated"
        and entry["alerts"][0].startswith("logs/")
    ]
    assert sorted(alert for entry in escalated for alert in entry["alerts"]) == sorted(firsts)
    for entry in escalated:
        [alert] = entry["alerts"]
        held_at = datetime.fromisoformat(firsts[alert]["at"])
        assert datetime.fromisoformat(entry["at"]) - held_at == timedelta(seconds=GRACE)
    assert report.escalations == 3  # the two log alerts and the stream's own alert


def test_log_born_events_carry_their_counts_and_resolve_when_quiet(
    log_model_dir: Path, tmp_path: Path
) -> None:
    items = log_events(parse_lines(stream_lines(), settings_with(log_model_dir, tmp_path)))
    names = sorted({item.event.name for item in items})
    assert names == ["Failed logins from 203.0.113.7 on sshd", "High error rate on checkout"]
    logins = [item for item in items if item.event.name.startswith("Failed logins")]
    assert [item.event.action.value for item in logins] == ["triggered", "resolved"]
    assert logins[0].event.annotations["count"] == "15"  # the retried post was not counted again
    assert logins[1].at == T0 + timedelta(seconds=14 + 60)  # the last failure, plus the window
    assert [item.at for item in items] == sorted(item.at for item in items)


def run_service(database_url: str, model_dir: Path) -> list[StreamEvent]:
    """The same posts through the service's log ingest, the sweep run whenever a detector's key is due
    (as a sweep every instant would), and the events it queued for mediation, in order."""
    db = Database(database_url)
    clock = [T0]
    judge = Judge(db, model_dir, clock=lambda: clock[0], read_marks=log_marks.all_marks)
    ingest = LogIngest(db, judge, clock=lambda: clock[0], detectors=build_all(default_detectors()))
    out: list[StreamEvent] = []

    def queued(at: datetime) -> None:
        with db.transaction() as conn:
            for row in LOG_FINDINGS.claim(conn, at, timedelta(seconds=1)):
                out.extend(StreamEvent(at, event) for event in row.events)
                LOG_FINDINGS.done(conn, [row.id])

    def sweep_until(until: datetime) -> None:
        while True:
            with db.read() as conn:
                due = conn.execute(select(func.min(log_detector_state.c.expires_at))).scalar()
            if due is None:
                return
            due = due if due.tzinfo else due.replace(tzinfo=UTC)
            if due > until:
                return
            clock[0] = max(clock[0], due)
            ingest.sweep(clock[0])
            queued(clock[0])

    try:
        for seconds, records in posts():
            at = T0 + timedelta(seconds=seconds)
            sweep_until(at)
            clock[0] = at
            ingest.ingest(parse_json_records(records, service=None, host=None, received=at), at)
            queued(at)
        sweep_until(clock[0] + timedelta(days=2))
    finally:
        db.dispose()
    return out


def shape(items: list[StreamEvent]) -> list[tuple[Any, ...]]:
    def one(at: datetime, event: AlertEvent) -> tuple[Any, ...]:
        notes = event.annotations
        return (
            at,
            event.action,
            event.fingerprint,
            event.name,
            notes["count"],
            notes["samples"],
            event.starts_at,
        )

    return [one(item.at, item.event) for item in items]


def test_replay_gives_the_log_events_the_service_gives(
    database_url: str, log_model_dir: Path, tmp_path: Path
) -> None:
    replayed = log_events(parse_lines(stream_lines(), settings_with(log_model_dir, tmp_path)))
    served = run_service(database_url, log_model_dir)
    assert len(replayed) >= 4
    assert shape(replayed) == shape(served)


def test_a_bad_log_line_stops_the_replay_naming_its_line(log_model_dir: Path, tmp_path: Path) -> None:
    stream = tmp_path / "logs.jsonl"
    good = json.dumps({"at": iso(0), "logs": ssh_burst(2, "203.0.113.7")})
    bad = json.dumps({"at": iso(5), "logs": "Failed password for root from 203.0.113.7 port 22 ssh2"})
    stream.write_text(f"{good}\n{bad}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOFF_")}
    env["HOLDOFF_LOGS__CLASSIFIER__MODEL_DIR"] = str(log_model_dir)
    result = subprocess.run(
        [sys.executable, "-m", "holdoff", "replay", str(stream)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "logs.jsonl line 2: service: text lines need the service they came from" in result.stderr


def test_text_log_lines_are_read_as_text_posts(log_model_dir: Path, tmp_path: Path) -> None:
    text = "\n".join(
        f"Dec  5 09:00:{index:02d} bastion-1 sshd[811]: Failed password for root from 203.0.113.7 port 22 ssh2"
        for index in range(12)
    )
    line = json.dumps({"at": iso(12), "logs": text, "service": "sshd"})
    [item] = log_events(parse_lines([line], settings_with(log_model_dir, tmp_path)))[:1]
    assert item.event.name == "Failed logins from 203.0.113.7 on sshd"
    assert item.event.annotations["count"] == "12"


def test_log_lines_out_of_time_order_or_of_no_records_name_their_line(
    log_model_dir: Path, tmp_path: Path
) -> None:
    settings = settings_with(log_model_dir, tmp_path)
    later = json.dumps({"at": iso(10), "logs": ssh_burst(1, "203.0.113.7")})
    earlier = json.dumps({"at": iso(5), "logs": ssh_burst(1, "203.0.113.8")})
    with pytest.raises(StreamError, match=r"stream line 2: .* is earlier than the line before"):
        list(parse_lines([later, earlier], settings))
    with pytest.raises(StreamError, match="stream line 1: logs"):
        list(parse_lines([json.dumps({"at": iso(0), "logs": 42})], settings))
    with pytest.raises(StreamError, match="stream line 1: at: needs a time zone"):
        list(parse_lines([json.dumps({"at": "2026-12-05T09:00:00", "logs": []})], settings))


def test_without_the_classifier_verdicts_follow_declared_levels(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(yaml.safe_dump({"grace_seconds": GRACE}))
    settings = load_settings(config_file=config, logs={"classifier": {"enabled": False}})
    lines = [json.dumps({"at": iso(600 + len(error_spike(600)) / 2), "logs": error_spike(600)})]
    [item] = log_events(parse_lines(lines, settings))[:1]
    assert item.event.name == "High error rate on checkout"
