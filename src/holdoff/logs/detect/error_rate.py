"""``error_rate``: too large a share of a service's lines are errors, over a sliding window.

Per service, over the last ``window`` (kept as at most about 60 buckets): the error lines, and all lines. A
line is an error when Holdoff judged it ERROR or worse (``verdict.severity``) or its sender declared it so
(``verdict.declared``): an error rate is what the services themselves call errors, plus what Holdoff finds. An occurrence opens when errors / lines >= ``ratio`` and errors
>= ``floor``; it counts the error lines (those in the window when it opened, and every one after), its
samples are error lines, and its template is the most frequent error template in the window when it opened
(kept for the occurrence). It resolves, with hysteresis, once the ratio stayed below ``ratio * 0.5`` (or the
errors below ``floor / 2``) for a whole window: checked at each line, at each bucket leaving the window, and
by the sweep.

Time is the records' own timestamps, so the same lines give the same decisions however they are batched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import Field, TypeAdapter, field_validator

from holdoff.logs.detect.base import (
    DetectorConfig,
    Duration,
    Occurrence,
    add_sample,
    dump_as,
    key_of,
    load_as,
    positive,
)
from holdoff.logs.detect.model import Finding, Seen, Step
from holdoff.logs.model import LogSeverity
from holdoff.mediate.durations import humanize
from holdoff.mediate.model import Severity

KIND = "error_rate"
TEMPLATES_PER_BUCKET = 8
"""Error templates counted per bucket (the rarest beyond it are not counted for "most frequent")."""


class ErrorRateConfig(DetectorConfig):
    """Error lines / all lines per service over a sliding window, with an absolute floor."""

    type: Literal["error_rate"] = "error_rate"
    name: str = Field(
        default="error_rate", min_length=1, max_length=100, description="Names its state and alerts."
    )
    window: Duration = Field(default=timedelta(minutes=5), description="The sliding window (W).")
    ratio: float = Field(default=0.2, gt=0.0, le=1.0, description="Share of error lines that opens an alert.")
    floor: int = Field(default=20, ge=1, description="Error lines within the window needed as well.")
    severity: Severity = Severity.HIGH

    @field_validator("window")
    @classmethod
    def _window(cls, value: timedelta) -> timedelta:
        return positive(value)

    def build(self) -> ErrorRate:
        return ErrorRate(self)


# The state is dataclasses, not models: it changes on every line, and a model's attribute assignment costs.
@dataclass(slots=True)
class _Bucket:
    start: int
    """Epoch seconds."""
    lines: int = 0
    errors: int = 0
    templates: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _State:
    buckets: list[_Bucket] = field(default_factory=list)
    lines: int = 0
    errors: int = 0
    texts: dict[str, str] = field(default_factory=dict)
    """Template id -> text, for the templates counted in the buckets."""
    recent: list[str] = field(default_factory=list)
    """The latest error messages, the samples of an occurrence that opens."""
    occurrence: Occurrence | None = None
    calm_since: datetime | None = None
    """Since when the ratio has been below the resolve threshold (an open occurrence only)."""


_STATE = TypeAdapter(_State)


class ErrorRate:
    """The detector (see the module's description)."""

    def __init__(self, config: ErrorRateConfig) -> None:
        self.config = config
        self.name = config.name
        self._window = int(config.window.total_seconds())
        self._bucket = max(1, self._window // 60)

    def keys(self, batch: Sequence[Seen]) -> set[str]:
        return {key_of(seen.record.service) for seen in batch}

    def observe(self, states: Mapping[str, dict[str, Any]], batch: Sequence[Seen], now: datetime) -> Step:
        by_key: dict[str, list[Seen]] = {}
        for seen in batch:
            by_key.setdefault(key_of(seen.record.service), []).append(seen)
        step = Step()
        for key, lines in by_key.items():
            state = load_as(_STATE, states.get(key), self.name, key) or _State()
            opened = changed = False
            for seen in sorted(lines, key=lambda s: s.record.timestamp):
                at = seen.record.timestamp
                self._advance(state, at, step.findings)
                error = is_error(seen)
                self._add(state, seen, error)
                if state.occurrence is not None:
                    if error:
                        state.occurrence.add(seen.record.message, at, self.config.samples)
                        changed = True
                    self._settle(state, at, step.findings)
                elif self._firing(state):
                    state.occurrence = self._open(state, seen)
                    state.calm_since = None
                    opened = changed = True
            if state.occurrence is not None and changed:
                step.findings.append(self._finding(state, state.occurrence, opens=opened))
            self._keep(step, key, state)
        return step

    def expire(self, states: Mapping[str, dict[str, Any]], now: datetime) -> Step:
        step = Step()
        for key, raw in states.items():
            state = load_as(_STATE, raw, self.name, key) or _State()
            self._advance(state, now, step.findings)
            if state.occurrence is not None:
                self._settle(state, now, step.findings)
            self._keep(step, key, state)
        return step

    # -- the window --------------------------------------------------------------------------------

    def _add(self, state: _State, seen: Seen, error: bool) -> None:
        second = int(seen.record.timestamp.timestamp())
        start = second - second % self._bucket
        buckets = state.buckets
        bucket = buckets[-1] if buckets and buckets[-1].start == start else None
        if bucket is None:
            bucket = next((b for b in buckets if b.start == start), None)
        if bucket is None:
            bucket = _Bucket(start=start)
            state.buckets.append(bucket)
            state.buckets.sort(key=lambda b: b.start)
        bucket.lines += 1
        state.lines += 1
        if not error:
            return
        bucket.errors += 1
        state.errors += 1
        add_recent(state.recent, seen.record.message, self.config.samples)
        if seen.template_id in bucket.templates or len(bucket.templates) < TEMPLATES_PER_BUCKET:
            bucket.templates[seen.template_id] = bucket.templates.get(seen.template_id, 0) + 1
            state.texts[seen.template_id] = seen.template

    def _advance(self, state: _State, at: datetime, findings: list[Finding]) -> None:
        """Drop the buckets that left the window by ``at``, settling an open occurrence at each departure."""
        horizon = int(at.timestamp()) - self._window
        if not state.buckets or state.buckets[0].start + self._bucket > horizon:
            return
        while state.buckets and state.buckets[0].start + self._bucket <= horizon:
            gone = state.buckets.pop(0)
            state.lines -= gone.lines
            state.errors -= gone.errors
            if state.occurrence is not None:
                left = datetime.fromtimestamp(gone.start + self._bucket + self._window, UTC)
                self._settle(state, left, findings)
        if not state.buckets:
            state.recent.clear()
        kept = {t for b in state.buckets for t in b.templates}
        if state.occurrence is not None:
            kept.add(state.occurrence.template_id)
        state.texts = {t: text for t, text in state.texts.items() if t in kept}

    def _firing(self, state: _State) -> bool:
        return state.errors >= self.config.floor and state.errors >= self.config.ratio * state.lines

    def _calm(self, state: _State) -> bool:
        return state.errors * 2 < self.config.floor or state.errors < self.config.ratio * 0.5 * state.lines

    def _settle(self, state: _State, at: datetime, findings: list[Finding]) -> None:
        """Resolve the open occurrence once it has been calm for a whole window."""
        if not self._calm(state):
            state.calm_since = None
            return
        if state.calm_since is None:
            state.calm_since = at
        occurrence = state.occurrence
        if occurrence is not None and at - state.calm_since >= self.config.window:
            findings.append(self._finding(state, occurrence, resolved=True))
            state.occurrence = state.calm_since = None

    def _open(self, state: _State, seen: Seen) -> Occurrence:
        counts: dict[str, int] = {}
        for bucket in state.buckets:
            for template, count in bucket.templates.items():
                counts[template] = counts.get(template, 0) + count
        top = max(sorted(counts), key=lambda t: counts[t]) if counts else seen.template_id
        return Occurrence(
            service=seen.record.service,
            template_id=top,
            template=state.texts.get(top, seen.template),
            first_at=seen.record.timestamp,
            last_at=seen.record.timestamp,
            count=state.errors,
            samples=list(state.recent),
        )

    def _keep(self, step: Step, key: str, state: _State) -> None:
        if state.occurrence is None and not state.buckets:
            step.states[key], step.expires[key] = None, None
            return
        step.states[key] = dump_as(_STATE, state)
        empties = state.buckets[-1].start + self._bucket + self._window if state.buckets else None
        due = [datetime.fromtimestamp(empties, UTC)] if empties is not None else []
        if state.calm_since is not None:
            due.append(state.calm_since + self.config.window)
        step.expires[key] = min(due) if due else None

    def _finding(
        self, state: _State, occurrence: Occurrence, *, resolved: bool = False, opens: bool = False
    ) -> Finding:
        share = f"{state.errors / state.lines:.0%}" if state.lines else "0%"
        window = humanize(self.config.window)
        if resolved:
            summary = f"Error rate on {occurrence.service} back to {share} ({state.errors} of {state.lines} lines in {window})"
        else:
            summary = (
                f"Error rate {share} on {occurrence.service}: {state.errors} of {state.lines} lines in {window} "
                f"were errors (alert at {self.config.ratio:.0%} and {self.config.floor} errors)"
            )
        return occurrence.finding(
            self.config, KIND, self.config.severity, summary, resolved=resolved, opens=opens
        )


def is_error(seen: Seen) -> bool:
    """Judged ERROR or worse, or declared so by its sender."""
    verdict = seen.verdict
    return verdict.severity >= LogSeverity.ERROR or (
        verdict.declared is not None and verdict.declared >= LogSeverity.ERROR
    )


def add_recent(recent: list[str], message: str, limit: int) -> None:
    """Keep the latest ``limit`` messages."""
    add_sample(recent, message, limit + 1)
    if len(recent) > limit:
        del recent[0]
