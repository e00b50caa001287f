"""The counters on their own: which decision an outcome of the real core counts as, CORRELATED
updates counted once whatever the channels, database errors, and anomalies found by the detectors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from holdoff.detectors.config import DetectorEntry
from holdoff.mediate.engine import decide
from holdoff.mediate.matchers import parse_matchers
from holdoff.mediate.model import Action, AlertEvent, AlertRecord, NotificationKind, Outcome
from holdoff.mediate.policy import Policy
from holdoff.mediate.silence import Silence
from holdoff.metrics.model import Sample
from holdoff.service.metric_detect import MetricDetect
from holdoff.store.db import Database
from holdoff.telemetry.decisions import correlated_updates, decisions, record_decisions
from holdoff.telemetry.metrics import Decision, Telemetry

T0 = datetime(2026, 1, 14, 3, 0, tzinfo=UTC)
POLICY = Policy(grace=timedelta(minutes=10))


def _event(action: Action) -> AlertEvent:
    return AlertEvent(source="coralogix", fingerprint="cpu-1", action=action, name="CPU Spike")


def _run(*steps: tuple[Action, float], silences: tuple[Silence, ...] = ()) -> list[Outcome]:
    record: AlertRecord | None = None
    outcomes = []
    for action, seconds in steps:
        outcome = decide(record, _event(action), T0 + timedelta(seconds=seconds), POLICY, silences)
        record = outcome.alert
        outcomes.append(outcome)
    return outcomes


def test_a_trigger_is_held_a_deadline_escalates_and_a_quick_resolve_is_transient() -> None:
    held, escalated = _run((Action.TRIGGERED, 0), (Action.DEADLINE_REACHED, 600))
    assert decisions(held) == (Decision.HELD,)
    assert decisions(escalated) == (Decision.ESCALATED,)
    _, transient = _run((Action.TRIGGERED, 0), (Action.RESOLVED, 30))
    assert decisions(transient) == (Decision.TRANSIENT,)
    # a repeat of a firing alert, or a resolve after the page, is not one of the decisions counted
    _, repeat = _run((Action.TRIGGERED, 0), (Action.TRIGGERED, 5))
    assert decisions(repeat) == ()
    *_, late = _run((Action.TRIGGERED, 0), (Action.DEADLINE_REACHED, 600), (Action.RESOLVED, 900))
    assert decisions(late) == ()


def test_an_escalation_a_silence_mutes_counts_as_escalated_and_as_silenced() -> None:
    silence = Silence(
        1, tuple(parse_matchers('alertname="CPU Spike"')), T0, T0 + timedelta(hours=1), "ops", ""
    )
    _, muted = _run((Action.TRIGGERED, 0), (Action.DEADLINE_REACHED, 600), silences=(silence,))
    assert muted.held == "silenced"
    assert decisions(muted) == (Decision.ESCALATED, Decision.SILENCED)


def test_a_correlated_update_counts_once_however_many_channels_it_goes_to() -> None:
    def row(kind: NotificationKind, key: str, channel: str) -> dict[str, str]:
        return {"kind": kind.value, "dedup_key": f"{key}:{channel}"}

    rows = [
        row(NotificationKind.CORRELATED, "incident:7:correlated", "teams"),
        row(NotificationKind.CORRELATED, "incident:7:correlated", "email"),
        row(NotificationKind.CORRELATED, "incident:9:correlated#1", "teams"),
        row(NotificationKind.ESCALATED, "incident:8:escalated", "teams"),
    ]
    assert correlated_updates(rows) == 2
    telemetry = Telemetry()
    record_decisions(telemetry, _run((Action.TRIGGERED, 0)), rows)
    count = telemetry.registry.get_sample_value
    assert count("holdoff_decisions_total", {"decision": "correlated"}) == 2
    assert count("holdoff_decisions_total", {"decision": "held"}) == 1
    assert count("holdoff_decisions_total", {"decision": "escalated"}) == 0


def test_database_errors_are_counted_by_transaction_and_other_exceptions_are_not(database_url: str) -> None:
    telemetry = Telemetry()
    db = Database(database_url, telemetry=telemetry)
    try:
        with pytest.raises(Exception, match="nowhere"), db.transaction() as conn:
            conn.execute(text("SELECT * FROM nowhere"))
        with pytest.raises(Exception, match="nowhere"), db.read() as conn:
            conn.execute(text("SELECT * FROM nowhere"))
        with pytest.raises(ValueError), db.transaction():
            raise ValueError("the caller's own error")
        with db.read() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        db.dispose()
    count = telemetry.registry.get_sample_value
    assert count("holdoff_database_errors_total", {"transaction": "write"}) == 1
    assert count("holdoff_database_errors_total", {"transaction": "read"}) == 1


def test_anomalies_the_detectors_find_are_counted_by_entry_and_their_resolves_are_not(
    database_url: str,
) -> None:
    entry = DetectorEntry.model_validate(
        {
            "name": "cpu",
            "match": "cpu_usage",
            "detectors": [{"type": "threshold", "op": ">", "value": 90}],
            "resolve_after": "20s",
        }
    )
    telemetry = Telemetry()
    detect = MetricDetect([entry], telemetry=telemetry)
    labels = {"host": "web-1"}
    values = [50, 95, 96, 40, 30, 20, 10, 97]  # one anomaly, its resolve, and a second anomaly
    samples = [
        Sample(name="cpu_usage", labels=labels, timestamp=T0 + timedelta(seconds=10 * i), value=v)
        for i, v in enumerate(values)
    ]
    db = Database(database_url)
    try:
        with db.transaction() as conn:
            found = detect.detect(conn, samples, T0 + timedelta(minutes=5))
    finally:
        db.dispose()
    assert telemetry.registry.get_sample_value("holdoff_metric_anomalies_total", {"detector": "cpu"}) == 2
    assert found.findings > 2  # the resolve in between is a finding too, not an anomaly
