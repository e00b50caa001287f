"""What every series detector shares: the learning state, a scored point, and the detector's shape.

Detectors are pure: a detector keeps its per-series state in a plain object it made
(:meth:`SeriesDetector.new_state`), changes it in place point by point, and turns it into JSON and
back (:meth:`SeriesDetector.dump` / :meth:`SeriesDetector.load`) so the shell can store it. Times are
epoch seconds (floats) on the hot path: a detector scores hundreds of thousands of points a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class Phase(StrEnum):
    """How far a detector has learned a series."""

    WARMING_UP = "warming_up"
    """Not enough history yet: scores are not trusted and never alert."""
    READY = "ready"
    LOW_CONFIDENCE = "low_confidence"
    """Learned, but the series is too irregular (or too sparse) for its scores to mean much."""


@dataclass(frozen=True, slots=True)
class Learning:
    """A detector's learning state for one series."""

    phase: Phase
    missing_seconds: float = 0.0
    """While warming up: how much more history it needs."""
    note: str = ""
    """Why, in words (shown on the dashboard and in alerts)."""


READY = Learning(Phase.READY)


@dataclass(frozen=True, slots=True)
class Scored:
    """One point and what a detector made of it."""

    t: float
    """Epoch seconds."""
    value: float
    score: float
    """Anomaly score in [0, 1]; the documented threshold decides what is anomalous."""
    learning: Learning
    reason: str = ""
    """What made the score (e.g. ``value 97.2 above the seasonal band 20.1-61.8 for this hour``)."""


class SeriesDetector(Protocol):
    """One detector over one series at a time (its state is per series)."""

    name: str

    def new_state(self) -> Any:
        """The state of a series never seen."""
        ...

    def score(self, state: Any, t: float, value: float) -> Scored:
        """Take in one point (times increasing) and score it; changes ``state`` in place."""
        ...

    def dump(self, state: Any) -> dict[str, Any]:
        """``state`` as JSON-able data."""
        ...

    def load(self, raw: dict[str, Any]) -> Any:
        """A state from :meth:`dump`'s data."""
        ...


@runtime_checkable
class SeriesAware(Protocol):
    """A detector whose state must know its series (e.g. to find the model trained for it); the shell
    calls :meth:`attach` on every state it makes or loads, before scoring."""

    def attach(self, state: Any, series_id: str) -> None: ...
