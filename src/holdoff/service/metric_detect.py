"""The metric detection shell: samples just stored are scored by their series' detector entry, in the
transaction that stored them (:class:`~holdoff.metrics.sink.AfterStore`).

For one batch: the series it touches are grouped and matched to their entry
(:class:`~holdoff.detectors.pipeline.Detection`), their states locked
(:func:`holdoff.store.metric_detector_state.lock_versions`), each series' points scored in time order (points at
or before the last one scored are skipped), the states written back with their learning phase, missing
history, note and last score, and the alerts the rule opened or resolved queued in ``metric_findings``
(an outbox, applied through mediation by :mod:`holdoff.service.metric_alerts`) — all in that one
transaction: if it fails, neither the samples nor the states nor the findings are written. A series
whose scoring raises (a detector's bug) is logged and left as it was, so it never refuses the samples
(a sender would retry them forever); a stored state that does not load is logged and learned anew.

States are kept in memory between batches (up to :data:`CACHE_SERIES` series): the lock reads each
row's ``last_ts`` (the last point its state scored) and the JSON only of rows whose ``last_ts`` is not
that of the state in memory — moved by another process, or by a transaction of this one that was
rolled back after scoring (its state in memory ran ahead of the store, so it is read again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection

from holdoff.detectors.alerting import SeriesInfo, event
from holdoff.detectors.config import DetectorEntry
from holdoff.detectors.iforest_store import ModelStore
from holdoff.detectors.pipeline import Detection, EntryRunner, SeriesState
from holdoff.mediate.model import Action, AlertEvent
from holdoff.metrics.model import Sample
from holdoff.store import metric_detector_state
from holdoff.store.findings import METRIC_FINDINGS
from holdoff.store.metric_detector_state import StateRow
from holdoff.telemetry import Telemetry, process_telemetry

log = logging.getLogger(__name__)

CACHE_SERIES = 20_000
"""Series whose state a process keeps in memory between batches (~3.4 KB each with the streaming
detector), so it reads a state's JSON only when another process moved it."""
VERSION_TOLERANCE = 1e-5
"""Seconds: a stored ``last_ts`` (microseconds) and a state's last point (a float) are the same point."""


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
        cache_series: int = CACHE_SERIES,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.detection = Detection(entries, models)
        self.telemetry = telemetry if telemetry is not None else process_telemetry()
        """Counts the anomalies found (``holdoff_metric_anomalies_total``, by detector entry)."""
        self.telemetry.detectors(entry.key for entry in entries)
        self.on_findings = on_findings
        self.cache_series = cache_series
        self._cache: dict[tuple[str, str], SeriesState] = {}
        """States as this process last wrote them, by (entry, series), in the order they were scored."""

    def __call__(self, conn: Connection, samples: Sequence[Sample], now: datetime) -> None:
        self.detect(conn, samples, now)

    def detect(self, conn: Connection, samples: Sequence[Sample], now: datetime) -> Detected:
        batches = self._group(samples)
        if not batches:
            return Detected(0, 0, 0)
        versions = metric_detector_state.lock_versions(conn, batches, self._cache, now)
        stale = {key for key in batches if not self._current(key, versions.get(key))}
        stored = metric_detector_state.states(conn, stale) if stale else {}
        rows: list[StateRow] = []
        events: list[AlertEvent] = []
        points = 0
        for (key, series_id), batch in sorted(batches.items()):
            cached = self._cache.pop((key, series_id), None)
            try:
                if cached is None or (key, series_id) in stale:
                    state = batch.entry.load(stored.get((key, series_id)) or {}, series_id)
                else:
                    state = cached
                row, found, scored = self._score(key, series_id, batch, state)
            except Exception:  # a detector's bug must not refuse the samples (the sender would retry forever)
                log.exception(
                    "entry %s, series %s: scoring failed; its state is left as it was", key, series_id
                )
                continue
            self._remember((key, series_id), state)
            points += scored
            events += found
            if anomalies := sum(found_event.action is Action.TRIGGERED for found_event in found):
                self.telemetry.anomaly(key, anomalies)
            if row is not None:
                rows.append(row)
        metric_detector_state.save(conn, rows, now)
        METRIC_FINDINGS.add(conn, events, now)
        if events and self.on_findings is not None:
            self.on_findings()
        return Detected(len(rows), points, len(events))

    def _current(self, key: tuple[str, str], stored: datetime | None) -> bool:
        """Whether the state held in memory is the stored one: it scored up to the stored ``last_ts``."""
        cached = self._cache.get(key)
        if cached is None or cached.last_t is None or stored is None:
            return False
        return abs(cached.last_t - stored.timestamp()) < VERSION_TOLERANCE

    def _remember(self, key: tuple[str, str], state: SeriesState) -> None:
        self._cache[key] = state
        if len(self._cache) > self.cache_series:
            del self._cache[next(iter(self._cache))]  # the series scored longest ago

    @staticmethod
    def _score(
        key: str, series_id: str, batch: _Batch, state: SeriesState
    ) -> tuple[StateRow | None, list[AlertEvent], int]:
        """One series' points through its entry: the state row to write (None: no point scored), the
        alert events, how many points were scored (``state`` changes in place)."""
        entry = batch.entry
        batch.points.sort()
        found: list[AlertEvent] = []
        scored = 0
        for t, value in batch.points:
            point, transition = entry.step(state, t, value)
            scored += point is not None
            if transition is not None:
                found.append(event(transition, batch.info, entry.spec))
        last = state.last
        if last is None or not scored:
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
