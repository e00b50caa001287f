"""The metric detection shell: samples just stored are scored by their series' detector entry, in the
transaction that stored them (:class:`~holdoff.metrics.sink.AfterStore`).

For one batch: the series it touches are grouped and matched to their entry
(:class:`~holdoff.detectors.pipeline.Detection`), their states locked
(:func:`holdoff.store.metric_detector_state.lock`), each series' points scored in time order (points at
or before the last one scored are skipped), the states written back with their learning phase, missing
history, note and last score, and the alerts the rule opened or resolved queued in ``metric_findings``
(an outbox, applied through mediation by :mod:`holdoff.service.metric_alerts`) — all in that one
transaction: if it fails, neither the samples nor the states nor the findings are written. A series
whose scoring raises (a detector's bug) is logged and left as it was, so it never refuses the samples
(a sender would retry them forever); a stored state that does not load is logged and learned anew.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from holdoff.detectors.alerting import SeriesInfo, event
from holdoff.detectors.config import DetectorEntry
from holdoff.detectors.iforest_store import ModelStore
from holdoff.detectors.pipeline import Detection, EntryRunner
from holdoff.mediate.model import AlertEvent
from holdoff.metrics.model import Sample
from holdoff.store import metric_detector_state, metric_findings
from holdoff.store.metric_detector_state import StateRow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Detected:
    series: int
    points: int
    findings: int


@dataclass
class _Batch:
    entry: EntryRunner
    info: SeriesInfo
    points: list[tuple[float, float]]


class MetricDetect:
    """Scores stored samples (call it inside the storing transaction)."""

    def __init__(
        self,
        entries: Sequence[DetectorEntry],
        *,
        models: ModelStore | None = None,
        on_findings: Callable[[], None] | None = None,
    ) -> None:
        self.detection = Detection(entries, models)
        self.on_findings = on_findings

    def __call__(self, conn: Connection, samples: Sequence[Sample], now: datetime) -> None:
        self.detect(conn, samples, now)

    def detect(self, conn: Connection, samples: Sequence[Sample], now: datetime) -> Detected:
        batches = self._group(samples)
        if not batches:
            return Detected(0, 0, 0)
        stored = metric_detector_state.lock(conn, batches, now)
        rows: list[StateRow] = []
        events: list[AlertEvent] = []
        points = 0
        for (key, series_id), batch in sorted(batches.items()):
            try:
                row, found, scored = self._score(key, series_id, batch, stored.get((key, series_id)) or {})
            except Exception:  # a detector's bug must not refuse the samples (the sender would retry forever)
                log.exception(
                    "entry %s, series %s: scoring failed; its state is left as it was", key, series_id
                )
                continue
            points += scored
            events += found
            if row is not None:
                rows.append(row)
        metric_detector_state.save(conn, rows, now)
        metric_findings.add(conn, events, now)
        if events and self.on_findings is not None:
            self.on_findings()
        return Detected(len(rows), points, len(events))

    @staticmethod
    def _score(
        key: str, series_id: str, batch: _Batch, raw: dict[str, Any]
    ) -> tuple[StateRow | None, list[AlertEvent], int]:
        """One series' points through its entry: the state row to write (None: no point scored), the
        alert events, how many points were scored."""
        entry = batch.entry
        batch.points.sort()
        state = entry.load(raw, series_id)
        found: list[AlertEvent] = []
        scored = 0
        for t, value in batch.points:
            point, transition = entry.step(state, t, value)
            scored += point is not None
            if transition is not None:
                found.append(event(transition, batch.info, entry.spec))
        last = state.last
        if last is None:
            return None, found, scored
        row = StateRow(
            detector=key,
            series_id=series_id,
            state=entry.dump(state),
            phase=last.learning.phase.value,
            missing_seconds=last.learning.missing_seconds or None,
            note=last.learning.note or "; ".join(last.reasons),
            last_ts=datetime.fromtimestamp(last.t, UTC),
            last_value=last.value,
            last_score=round(last.score, 4),
        )
        return row, found, scored

    def _group(self, samples: Sequence[Sample]) -> dict[tuple[str, str], _Batch]:
        batches: dict[tuple[str, str], _Batch] = {}
        ids: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
        for sample in samples:
            identity = (sample.name, tuple(sorted(sample.labels.items())))
            series_id = ids.get(identity)
            if series_id is None:
                series_id = ids[identity] = sample.series_id
            entry = self.detection.entry_for(series_id, sample.name, sample.labels)
            if entry is None:
                continue
            batch = batches.get((entry.key, series_id))
            if batch is None:
                info = SeriesInfo(series_id, sample.name, dict(sample.labels))
                batch = batches[(entry.key, series_id)] = _Batch(entry, info, [])
            batch.points.append((sample.timestamp.timestamp(), sample.value))
        return batches
