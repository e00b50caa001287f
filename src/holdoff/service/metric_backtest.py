"""Backtest a detector configuration: run it over past samples in time order, turn its anomalies into
the same alert events the server would, and replay those through the mediation core with the
configuration's policy (:class:`~holdoff.replay.simulator.Simulator`, a simulated clock), so the report
says how many alerts and pages the configuration would have produced, when, and on which series.

Every series starts from nothing (warming up) at the start of the range, as a new server would: give a
range longer than the detectors' warm-up. Isolation Forests use the models on disk, as the server does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from holdoff.detectors.alerting import SeriesInfo, event
from holdoff.detectors.config import DetectorEntry
from holdoff.detectors.iforest_store import ModelStore
from holdoff.detectors.pipeline import Detection
from holdoff.mediate.model import Action, AlertEvent
from holdoff.mediate.policy import Policy
from holdoff.metrics.model import Sample, series_key
from holdoff.replay.simulator import Simulator

SeriesPoints = tuple[SeriesInfo, list[tuple[float, float]]]


@dataclass
class BacktestReport:
    series: int = 0
    scored: int = 0
    """Series an entry scored (the others no entry selects)."""
    points: int = 0
    alerts: list[dict[str, Any]] = field(default_factory=list)
    """Each alert the detectors opened: series, entry, start, end, peak score, paged, first page."""
    pages: list[dict[str, Any]] = field(default_factory=list)
    """Each paging message: when, kind, channels, series."""
    messages: int = 0

    @property
    def paged_alerts(self) -> int:
        return sum(1 for alert in self.alerts if alert["paged"])

    def as_dict(self) -> dict[str, Any]:
        per_series = Counter(alert["series"] for alert in self.alerts)
        pages_per_series = Counter(series for page in self.pages for series in page["series"])
        return {
            "series": self.series,
            "scored_series": self.scored,
            "points": self.points,
            "alerts": len(self.alerts),
            "paged_alerts": self.paged_alerts,
            "pages": len(self.pages),
            "messages": self.messages,
            "alerts_per_series": dict(per_series.most_common()),
            "pages_per_series": dict(pages_per_series.most_common()),
            "alert_list": self.alerts,
            "page_list": self.pages,
        }


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def group_samples(samples: Iterable[Sample]) -> list[SeriesPoints]:
    """Samples (any order) as series with their points in time order."""
    found: dict[str, SeriesPoints] = {}
    for sample in samples:
        sid = sample.series_id
        if sid not in found:
            found[sid] = (SeriesInfo(sid, sample.name, dict(sample.labels)), [])
        found[sid][1].append((sample.timestamp.timestamp(), sample.value))
    for _, points in found.values():
        points.sort()
    return list(found.values())


def backtest(
    entries: Sequence[DetectorEntry],
    policy: Policy,
    series: Iterable[SeriesPoints],
    *,
    models: ModelStore | None = None,
    progress: Callable[[int], None] | None = None,
) -> BacktestReport:
    """Run ``series`` through the detectors and the alerts through the mediation core."""
    detection = Detection(entries, models)
    report = BacktestReport()
    timed: list[tuple[float, int, AlertEvent]] = []
    names: dict[str, str] = {}
    for info, points in series:
        report.series += 1
        entry = detection.entry_for(info.series_id, info.name, info.labels)
        if progress is not None:
            progress(report.series)
        if entry is None:
            continue
        report.scored += 1
        state = entry.new_state(info.series_id)
        text = series_key(info.name, info.labels)
        for t, value in points:
            point, transition = entry.step(state, t, value)
            report.points += point is not None
            if transition is not None:
                made = event(transition, info, entry.spec)
                names[f"{made.source}/{made.fingerprint}"] = text
                timed.append((transition.at, len(timed), made))
    timed.sort(key=lambda item: (item[0], item[1]))
    simulator = Simulator(policy)
    open_alerts: dict[str, dict[str, Any]] = {}
    occurrences: dict[str, list[dict[str, Any]]] = {}
    for when, _, made in timed:
        key = f"{made.source}/{made.fingerprint}"
        simulator.feed(datetime.fromtimestamp(when, UTC), made)
        if made.action is Action.TRIGGERED:
            alert = {
                "series": names[key],
                "entry": made.labels.get("detector_entry", ""),
                "starts_at": made.starts_at.isoformat() if made.starts_at else _iso(when),
                "opened_at": _iso(when),
                "ends_at": None,
                "peak_score": float(made.annotations.get("score", "0")),
                "learning_state": made.annotations.get("learning_state", ""),
                "paged": False,
                "first_page_at": None,
            }
            report.alerts.append(alert)
            open_alerts[key] = alert
            occurrences.setdefault(key, []).append(alert)
        elif key in open_alerts:
            open_alerts.pop(key)["ends_at"] = made.ends_at.isoformat() if made.ends_at else _iso(when)
    simulator.finish()
    report.messages = len(simulator.messages)
    for message in simulator.messages:
        if not message.page:
            continue
        keys = [key.replace("\x1f", "/") for key in message.alerts]
        at = message.at.isoformat()
        report.pages.append(
            {
                "at": at,
                "kind": message.kind.value,
                "channels": list(message.channels),
                "series": sorted({names.get(key, key) for key in keys}),
            }
        )
        for key in keys:
            # The occurrence this page is about: the latest one of that alert opened by then.
            opened = [alert for alert in occurrences.get(key, []) if alert["opened_at"] <= at]
            if opened and not opened[-1]["paged"]:
                opened[-1]["paged"], opened[-1]["first_page_at"] = True, at
    return report
