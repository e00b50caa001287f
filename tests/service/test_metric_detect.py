"""The metric detection shell on both databases: samples in, states stored, an anomaly becomes a finding
in the same transaction, and the worker applies it as a held alert; scores below the threshold resolve it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from holdoff.metrics.model import Sample
from holdoff.runtime import Runtime
from holdoff.store import metric_detector_state
from holdoff.store.findings import METRIC_FINDINGS
from holdoff.store.metric_tables import metric_detector_state as state_table
from holdoff.store.tables import alerts
from tests.service.helpers import FakeClock, make_settings
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

# A threshold entry: ready from the first point, so the test needs no warm-up.
DETECTORS = [
    {
        "name": "cpu",
        "match": "cpu_usage",
        "detectors": [{"type": "threshold", "op": ">", "value": 90, "for": "20s"}],
        "resolve_after": "30s",
        "severity": "high",
    },
    {"name": "rest", "match": "", "detectors": [{"type": "streaming"}]},
]


def _samples(clock: FakeClock, values: list[float], name: str = "cpu_usage") -> list[Sample]:
    start = clock.now
    labels = {"host": "web-1", "service": "shop"}
    return [
        Sample(name=name, labels=labels, timestamp=start + timedelta(seconds=10 * i), value=v)
        for i, v in enumerate(values)
    ]


def _runtime(database_url: str, teams: TeamsReceiver, smtp: SmtpSink, clock: FakeClock) -> Runtime:
    settings = make_settings(database_url, teams, smtp, detectors=DETECTORS)
    runtime = Runtime(settings, clock=clock, run_workers=False)
    runtime.start()
    return runtime


def test_an_anomaly_becomes_a_held_alert_and_resolves_below_the_threshold(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    runtime = _runtime(database_url, teams_receiver, smtp_sink, clock)
    try:
        stored = runtime.metric_ingest.ingest(_samples(clock, [50, 95, 96, 97, 98]))
        assert stored == 5
        with runtime.db.read() as conn:
            assert METRIC_FINDINGS.pending(conn) == 1
            state = conn.execute(select(state_table)).one()
        assert (state.detector, state.phase, state.last_value, state.last_score) == (
            "cpu",
            "ready",
            98.0,
            1.0,
        )
        assert runtime.metric_alerts.run_once() == 1
        with runtime.db.read() as conn:
            alert = conn.execute(select(alerts).where(alerts.c.source == "metrics")).one()
        assert alert.state == "pending"  # held for the grace window like any alert
        assert alert.name == "Anomaly in cpu_usage on web-1"
        assert alert.labels["service"] == "shop" and alert.labels["metric"] == "cpu_usage"
        assert alert.annotations["learning_state"] == "ready"
        assert alert.annotations["first_anomalous_at"].startswith(
            (clock.now + timedelta(seconds=30)).isoformat()[:19]
        )

        clock.advance(50)
        runtime.metric_ingest.ingest(_samples(clock, [40, 41, 42, 43, 44]))
        assert runtime.metric_alerts.run_once() == 1
        with runtime.db.read() as conn:
            alert = conn.execute(select(alerts).where(alerts.c.source == "metrics")).one()
        assert alert.state == "resolved"
    finally:
        runtime.stop()


def test_duplicates_and_late_points_are_not_scored_twice_and_other_series_warm_up(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    runtime = _runtime(database_url, teams_receiver, smtp_sink, clock)
    try:
        batch = _samples(clock, [95, 96, 97])
        runtime.metric_ingest.ingest(batch)
        runtime.metric_ingest.ingest(batch)  # a retried post
        runtime.metric_ingest.ingest(_samples(clock, [1.0, 2.0, 3.0], name="queue_depth"))
        with runtime.db.read() as conn:
            assert METRIC_FINDINGS.pending(conn) == 1
            total, views = metric_detector_state.views(conn)
            rows = conn.execute(select(func.count()).select_from(state_table)).scalar_one()
        assert total == rows == 2
        by_entry = {view.entry: view for view in views}
        assert by_entry["cpu"].open_since is not None
        assert by_entry["rest"].phase == "warming_up" and (by_entry["rest"].missing_seconds or 0) > 0
        assert by_entry["rest"].name == "queue_depth" and by_entry["rest"].labels["host"] == "web-1"
    finally:
        runtime.stop()


def test_a_detector_that_raises_never_refuses_the_samples(
    database_url: str,
    teams_receiver: TeamsReceiver,
    smtp_sink: SmtpSink,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from holdoff.detectors.threshold import ThresholdDetector

    real = ThresholdDetector.score

    def broken(self: ThresholdDetector, state: object, t: float, value: float) -> object:
        if value == 666:
            raise ZeroDivisionError("a bug")
        return real(self, state, t, value)  # type: ignore[arg-type]

    monkeypatch.setattr(ThresholdDetector, "score", broken)
    runtime = _runtime(database_url, teams_receiver, smtp_sink, clock)
    try:
        bad = _samples(clock, [50, 666])
        good = [s.model_copy(update={"labels": {"host": "web-2"}}) for s in _samples(clock, [95, 96, 97, 98])]
        assert runtime.metric_ingest.ingest(bad + good) == 6
        assert "scoring failed" in caplog.text
        with runtime.db.read() as conn:
            _, views = metric_detector_state.views(conn)
            assert METRIC_FINDINGS.pending(conn) == 1  # web-2's anomaly
        assert [(v.labels["host"], v.last_value) for v in views] == [("web-2", 98.0), ("web-1", None)]
    finally:
        runtime.stop()


def _point(clock: FakeClock, seconds: float, value: float) -> list[Sample]:
    at = clock.now + timedelta(seconds=seconds)
    return [Sample(name="cpu_usage", labels={"host": "web-1"}, timestamp=at, value=value)]


HELD_10S = [
    {"name": "cpu", "match": "cpu_usage", "detectors": [{"type": "threshold", "value": 90, "for": "10s"}]}
]


def test_a_state_moved_by_another_process_is_read_again(database_url: str, clock: FakeClock) -> None:
    from holdoff.detectors.config import DetectorEntry
    from holdoff.service.metric_detect import MetricDetect
    from holdoff.store.db import Database

    entries = [DetectorEntry.model_validate(item) for item in HELD_10S]
    first, second = MetricDetect(entries), MetricDetect(entries)  # two processes
    db = Database(database_url)
    try:
        with db.transaction() as conn:
            first.detect(conn, _point(clock, 0, 95), clock.now)
        with db.transaction() as conn:
            second.detect(conn, _point(clock, 10, 50), clock.now)  # the condition broke
        with db.transaction() as conn:
            # Held 0 s since t=20 (the first process's memory would say 20 s since t=0).
            first.detect(conn, _point(clock, 20, 95), clock.now)
            assert METRIC_FINDINGS.pending(conn) == 0
        with db.transaction() as conn:
            first.detect(conn, _point(clock, 30, 95), clock.now)
            assert METRIC_FINDINGS.pending(conn) == 1
    finally:
        db.dispose()


def test_a_rolled_back_batch_does_not_leave_its_state_in_memory(database_url: str, clock: FakeClock) -> None:
    from holdoff.detectors.config import DetectorEntry
    from holdoff.service.metric_detect import MetricDetect
    from holdoff.store.db import Database

    detect = MetricDetect([DetectorEntry.model_validate(item) for item in HELD_10S])
    db = Database(database_url)
    try:
        with pytest.raises(RuntimeError), db.transaction() as conn:
            detect.detect(conn, _point(clock, 0, 95), clock.now)
            raise RuntimeError("the storing transaction failed after detection")
        with db.transaction() as conn:
            detect.detect(conn, _point(clock, 10, 95), clock.now)  # held 0 s: the t=0 point never happened
            assert METRIC_FINDINGS.pending(conn) == 0
        with db.transaction() as conn:
            detect.detect(conn, _point(clock, 20, 95), clock.now)
            assert METRIC_FINDINGS.pending(conn) == 1
            assert metric_detector_state.read(conn, "cpu", _point(clock, 0, 0)[0].series_id) is not None
    finally:
        db.dispose()
