"""An entry of ``detectors:`` built and run over one series: each detector scores the point, the scores
are combined (:mod:`~holdoff.detectors.combine`) and the alert rule steps
(:mod:`~holdoff.detectors.alerting`). The server's shell, ``holdoff detect`` and ``holdoff backtest`` all
run series through :meth:`EntryRunner.step`, so they cannot drift apart.

A series' state is one JSON object: each detector's state by name, the alert rule's state and the last
point's time (points at or before it are skipped: detectors take times in increasing order).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from holdoff.detectors.alerting import AlertState, Transition, step
from holdoff.detectors.combine import Combined, combine
from holdoff.detectors.config import DetectorEntry
from holdoff.detectors.iforest import IsolationForestConfig
from holdoff.detectors.iforest_store import ModelCache, ModelStore
from holdoff.detectors.model import SeriesAware, SeriesDetector

log = logging.getLogger(__name__)


def model_key(entry: str, detector: str) -> str:
    """The folder of an entry's Isolation Forest models (``<entry>.<detector name>``)."""
    return f"{entry}.{detector}"


@dataclass
class SeriesState:
    detectors: list[Any]
    """Each detector's state, in the entry's order."""
    alert: AlertState
    last_t: float | None = None
    last: Combined | None = None
    """The last point scored (not stored: the shell stores its score and learning state in columns)."""


class EntryRunner:
    """One entry's detectors and rule, ready to score series."""

    def __init__(self, config: DetectorEntry, models: ModelStore | None = None) -> None:
        self.config = config
        self.key = config.key
        self.selector = config.selector
        self.rule = config.rule
        self.spec = config.spec
        self.detectors: list[SeriesDetector] = [
            item.build(ModelCache(models, model_key(self.key, item.name)) if models is not None else None)
            if isinstance(item, IsolationForestConfig)
            else item.build()
            for item in config.detectors
        ]
        self._aware: list[tuple[int, SeriesAware]] = [
            (index, detector)
            for index, detector in enumerate(self.detectors)
            if isinstance(detector, SeriesAware)
        ]
        """The detectors whose states must know their series (checked once: a protocol check is slow)."""

    def new_state(self, series_id: str) -> SeriesState:
        states = [detector.new_state() for detector in self.detectors]
        self._attach(states, series_id)
        return SeriesState(states, AlertState())

    def load(self, raw: Mapping[str, Any], series_id: str) -> SeriesState:
        """A state from :meth:`dump`'s data; a detector without stored state (added since) starts anew,
        and so does one whose stored state does not load (logged: one bad row never stops ingest)."""
        if not raw:
            return self.new_state(series_id)
        stored = raw.get("detectors") or {}
        states = [self._load_one(detector, stored, series_id) for detector in self.detectors]
        self._attach(states, series_id)
        last_t = raw.get("last_t")
        try:
            alert = AlertState.load(raw.get("alert") or {})
        except (TypeError, ValueError) as exc:
            log.error(
                "entry %s, series %s: alert state unreadable, starting anew: %s", self.key, series_id, exc
            )
            alert = AlertState()
        return SeriesState(states, alert, float(last_t) if isinstance(last_t, int | float) else None)

    def _load_one(self, detector: SeriesDetector, stored: Mapping[str, Any], series_id: str) -> Any:
        raw = stored.get(detector.name)
        if not isinstance(raw, dict):
            return detector.new_state()
        try:
            return detector.load(raw)
        except Exception as exc:  # a state written by another version, or damaged: learn again
            log.error(
                "entry %s, series %s: %s state unreadable, starting anew: %s",
                self.key,
                series_id,
                detector.name,
                exc,
            )
            return detector.new_state()

    def _attach(self, states: Sequence[Any], series_id: str) -> None:
        for index, detector in self._aware:
            detector.attach(states[index], series_id)

    def dump(self, state: SeriesState) -> dict[str, Any]:
        return {
            "detectors": {
                detector.name: detector.dump(item)
                for detector, item in zip(self.detectors, state.detectors, strict=True)
            },
            "alert": state.alert.dump(),
            "last_t": state.last_t,
        }

    def score(self, state: SeriesState, t: float, value: float) -> Combined | None:
        """Score one point (None: at or before the last point scored, skipped)."""
        if state.last_t is not None and t <= state.last_t:
            return None
        state.last_t = t
        scored = [
            (detector.name, detector.score(item, t, value))
            for detector, item in zip(self.detectors, state.detectors, strict=True)
        ]
        state.last = combine(t, value, scored)
        return state.last

    def step(self, state: SeriesState, t: float, value: float) -> tuple[Combined | None, Transition | None]:
        """Score one point and step the alert rule (no transition when the entry does not alert)."""
        point = self.score(state, t, value)
        if point is None:
            return None, None
        transition = step(state.alert, point, self.rule)
        return point, transition if self.config.alert else None


class Detection:
    """Every entry, built; which entry scores a series (the first whose selector selects it)."""

    def __init__(self, entries: Sequence[DetectorEntry], models: ModelStore | None = None) -> None:
        self.entries = [EntryRunner(entry, models) for entry in entries]
        self._chosen: dict[str, EntryRunner | None] = {}

    def entry_for(self, series_id: str, name: str, labels: Mapping[str, str]) -> EntryRunner | None:
        if series_id not in self._chosen:
            if len(self._chosen) > 200_000:
                self._chosen.clear()
            self._chosen[series_id] = next(
                (entry for entry in self.entries if entry.selector.matches(name, labels)), None
            )
        return self._chosen[series_id]

    def by_key(self, key: str) -> EntryRunner | None:
        return next((entry for entry in self.entries if entry.key == key), None)
