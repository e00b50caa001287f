"""Isolation Forest training from stored samples on both databases: the retrain loop trains what is due,
a trained model takes the series out of warming up, and backtests replay anomalies through the policy."""

from __future__ import annotations

import math
import random
from datetime import timedelta
from pathlib import Path

from holdoff.detectors.alerting import SeriesInfo
from holdoff.detectors.config import DetectorEntry
from holdoff.metrics.model import Sample
from holdoff.policy.section import build_policy
from holdoff.runtime import Runtime
from holdoff.service.metric_backtest import backtest
from holdoff.store import metric_detector_state
from tests.service.helpers import FakeClock, make_settings
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

FOREST = {
    "name": "cpu",
    "match": "cpu_usage",
    "detectors": [{"type": "isolation_forest", "min_history": "2h", "trees": 20, "min_points": 50}],
}


def test_the_retrain_loop_trains_due_series_and_scoring_then_uses_the_model(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock, tmp_path: Path
) -> None:
    settings = make_settings(
        database_url, teams_receiver, smtp_sink, detectors=[FOREST], server={"data_dir": str(tmp_path)}
    )
    runtime = Runtime(settings, clock=clock, run_workers=True)
    assert "metric retrain" in runtime.components.names
    runtime = Runtime(settings, clock=clock, run_workers=False)
    runtime.start()
    try:
        rng = random.Random(3)
        start = clock.now - timedelta(hours=3)
        history = [
            Sample(
                name="cpu_usage",
                labels={"host": "a"},
                timestamp=start + timedelta(minutes=i),
                value=50 + rng.gauss(0, 1),
            )
            for i in range(180)
        ]
        runtime.metric_ingest.ingest(history)
        with runtime.db.read() as conn:
            _, [before] = metric_detector_state.views(conn)
        assert before.phase == "warming_up"
        assert runtime.metric_training.run_once() == 1
        assert runtime.metric_training.run_once() == 0  # not due again before retrain_every
        clock.advance(60)
        runtime.metric_ingest.ingest(
            [Sample(name="cpu_usage", labels={"host": "a"}, timestamp=clock.now, value=50.5)]
        )
        with runtime.db.read() as conn:
            _, [after] = metric_detector_state.views(conn)
        assert after.phase == "ready"
        assert [info.samples for info in runtime.metric_models.all()] == [180]
    finally:
        runtime.stop()


def test_a_backtest_pages_only_for_anomalies_that_outlast_the_grace_window(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    settings = make_settings(database_url, teams_receiver, smtp_sink)  # grace 600 s
    entry = DetectorEntry.model_validate(
        {"name": "t", "detectors": [{"type": "threshold", "value": 90}], "resolve_after": "1m"}
    )
    values = [50.0] * 200
    values[20:25] = [95.0] * 5  # five minutes: inside the grace window
    values[100:130] = [95.0] * 30  # thirty minutes: pages
    points = [(1_700_000_000 + 60.0 * i, v) for i, v in enumerate(values)]
    quiet = [(t, 10 + math.sin(t)) for t, _ in points]
    report = backtest(
        [entry],
        build_policy(settings.policy, settings.delivery.fallback_channel),
        [(SeriesInfo("s1", "cpu", {"host": "a"}), points), (SeriesInfo("s2", "cpu", {"host": "b"}), quiet)],
    )
    assert (report.series, report.scored, report.points) == (2, 2, 400)
    assert len(report.alerts) == 2 and report.paged_alerts == 1
    assert [a["paged"] for a in report.alerts] == [False, True]
    assert report.pages and all(page["series"] == ['cpu{host="a"}'] for page in report.pages)
