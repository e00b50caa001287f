"""When a series' combined score opens and resolves an alert (pure), and the alert event it becomes.

Per entry and series, point by point (times increasing):

- a point is **anomalous** when its combined score is at least the entry's ``threshold`` and the series
  is not warming up (a series that is warming up never raises an alert);
- an alert **opens** once points have stayed anomalous for the entry's ``for`` (0: the first anomalous
  point opens it); its start is the first anomalous point of that run;
- an open alert **resolves** once points have stayed below the threshold for ``resolve_after``
  (default 5 minutes), so a series that dips back under for one point does not flap; a series that goes
  back to warming up counts as below.

The alert then goes through mediation like any other: it is held for the grace window, so a transient
anomaly that resolves within it never pages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from holdoff.detectors.combine import Combined
from holdoff.detectors.durations import shown
from holdoff.detectors.model import Phase
from holdoff.mediate.model import Action, AlertEvent, Severity

SOURCE = "metrics"
SAMPLES = 5
"""Anomalous points kept per open alert (the first ones and the latest)."""
WHERE_LABELS = ("host", "instance", "service", "pod", "job")
"""Labels that name where a series comes from, in the order the alert's name prefers them."""


@dataclass(frozen=True, slots=True)
class Rule:
    threshold: float = 0.5
    hold_seconds: float = 0.0
    resolve_seconds: float = 300.0


@dataclass
class AlertState:
    above_since: float | None = None
    """First point of the current run of anomalous points."""
    open_since: float | None = None
    """The open alert's start (None: no alert open)."""
    below_since: float | None = None
    """While open: the first point of the current run below the threshold."""
    peak: float = 0.0
    samples: list[list[float]] = field(default_factory=list)
    """``[t, value, score]`` of anomalous points of the open alert."""

    def dump(self) -> dict[str, Any]:
        return {
            "above_since": self.above_since,
            "open_since": self.open_since,
            "below_since": self.below_since,
            "peak": self.peak,
            "samples": self.samples,
        }

    @classmethod
    def load(cls, raw: Mapping[str, Any]) -> AlertState:
        def number(key: str) -> float | None:
            value = raw.get(key)
            return float(value) if isinstance(value, int | float) else None

        samples = [list(map(float, item)) for item in raw.get("samples") or [] if len(item) == 3]
        return cls(
            number("above_since"), number("open_since"), number("below_since"), number("peak") or 0.0, samples
        )


@dataclass(frozen=True, slots=True)
class Transition:
    """An alert opened (``resolved`` False) or resolved at this point."""

    resolved: bool
    starts_at: float
    at: float
    point: Combined
    peak: float
    samples: tuple[tuple[float, float, float], ...]


def step(state: AlertState, point: Combined, rule: Rule) -> Transition | None:
    """Take one combined point into ``state`` (changed in place); the transition it causes, if any."""
    t = point.t
    anomalous = point.learning.phase is not Phase.WARMING_UP and point.score >= rule.threshold
    if anomalous:
        state.below_since = None
        if state.above_since is None:
            state.above_since = t
        opened = state.open_since is None and t - state.above_since >= rule.hold_seconds
        if opened:
            state.open_since = state.above_since
            state.peak = 0.0
            state.samples = []
        if state.open_since is not None:
            state.peak = max(state.peak, point.score)
            _keep(state.samples, [t, point.value, round(point.score, 4)])
        if opened:
            assert state.open_since is not None
            return _transition(False, state, point)
        return None
    state.above_since = None
    if state.open_since is None:
        return None
    if state.below_since is None:
        state.below_since = t
    if t - state.below_since < rule.resolve_seconds:
        return None
    done = _transition(True, state, point)
    state.open_since = state.below_since = None
    state.peak, state.samples = 0.0, []
    return done


def _keep(samples: list[list[float]], item: list[float]) -> None:
    if len(samples) >= SAMPLES:
        samples.pop()
    samples.append(item)


def _transition(resolved: bool, state: AlertState, point: Combined) -> Transition:
    assert state.open_since is not None
    return Transition(
        resolved=resolved,
        starts_at=state.open_since,
        at=point.t,
        point=point,
        peak=state.peak,
        samples=tuple((s[0], s[1], s[2]) for s in state.samples),
    )


# --- the alert event ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    """The series an alert is about."""

    series_id: str
    name: str
    labels: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class AlertSpec:
    """What an entry says about its alerts."""

    entry: str
    threshold: float
    severity: Severity = Severity.WARNING
    service_label: str = "service"


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def fingerprint(entry: str, series_id: str) -> str:
    """One alert identity per entry and series."""
    return f"{entry}:{series_id}"


def title(series: SeriesInfo) -> str:
    """``Anomaly in cpu_usage on web-1`` (where: host, instance, service, pod or job; else the series)."""
    where = next((series.labels[key] for key in WHERE_LABELS if series.labels.get(key)), None)
    if where is None:
        inner = ",".join(f"{k}={v}" for k, v in sorted(series.labels.items()))
        return f"Anomaly in {series.name}" + (f" ({inner})" if inner else "")
    return f"Anomaly in {series.name} on {where}"


def event(transition: Transition, series: SeriesInfo, spec: AlertSpec) -> AlertEvent:
    """A transition as the alert event mediation applies (source ``metrics``)."""
    point = transition.point
    labels = {k: v for k, v in series.labels.items() if k != "__name__"}
    labels |= {"metric": series.name, "series_id": series.series_id, "detector_entry": spec.entry}
    service = series.labels.get(spec.service_label)
    if service:
        labels["service"] = service
    learning = point.learning
    state = learning.phase.value + (f" ({learning.note})" if learning.note else "")
    reason = "; ".join(point.reasons) or f"combined score {point.score:.2f}"
    samples = "\n".join(f"{_iso(t)} value {v:g} score {s:.2f}" for t, v, s in transition.samples)
    summary = (
        f"{series.name} = {point.value:g}: anomaly score {transition.peak:.2f} "
        f"(threshold {spec.threshold:g}) since {_iso(transition.starts_at)}"
    )
    annotations = {
        "summary": summary,
        "description": f"{summary}\nWhy: {reason}\nLearning state: {state}"
        + (f"\nAnomalous points:\n{samples}" if samples else ""),
        "score": f"{transition.peak:.3f}",
        "last_score": f"{point.score:.3f}",
        "threshold": f"{spec.threshold:g}",
        "value": f"{point.value:g}",
        "reason": reason,
        "learning_state": learning.phase.value,
        "learning_note": learning.note,
        "first_anomalous_at": _iso(transition.starts_at),
        "samples": samples,
    }
    if transition.resolved:
        annotations["summary"] = (
            f"{series.name} back below the threshold (value {point.value:g}, score {point.score:.2f}); "
            f"resolved {shown(transition.at - transition.starts_at)} after the anomaly began"
        )
    starts = datetime.fromtimestamp(transition.starts_at, UTC)
    return AlertEvent(
        source=SOURCE,
        fingerprint=fingerprint(spec.entry, series.series_id),
        action=Action.RESOLVED if transition.resolved else Action.TRIGGERED,
        name=title(series),
        severity=spec.severity,
        labels=labels,
        annotations=annotations,
        starts_at=starts,
        ends_at=datetime.fromtimestamp(transition.at, UTC) if transition.resolved else None,
    )


def short_id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]
