"""``failed_auth``: a burst of failed authentications from one source address (N within T).

Per service and source address, failures are counted in a sliding window of ``window`` (kept as at most
about 60 buckets, so a key's state stays small whatever the rate). When the failures within the window reach
``threshold``, an occurrence opens; it counts every failure of the burst (those before the threshold too),
its template is the template of the burst's first failed line, and later batches update it. When no failure
came for a whole window (seen by the sweep, or by a later failure), it resolves, once.

Time is the records' own timestamps, so the same lines give the same decisions however they are batched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from holdoff.logs.detect.auth_patterns import compile_extra, recognise
from holdoff.logs.detect.base import (
    DetectorConfig,
    Duration,
    LastBatch,
    Occurrence,
    dump,
    key_of,
    load,
    positive,
)
from holdoff.logs.detect.model import Finding, Seen, Step
from holdoff.mediate.durations import humanize
from holdoff.mediate.model import Severity

KIND = "failed_auth"


class FailedAuthConfig(DetectorConfig):
    """Failed logins per source address: ``threshold`` within ``window``."""

    type: Literal["failed_auth"] = "failed_auth"
    name: str = Field(
        default="failed_auth", min_length=1, max_length=100, description="Names its state and alerts."
    )
    threshold: int = Field(default=10, ge=1, description="Failures within the window that open an alert.")
    window: Duration = Field(default=timedelta(seconds=60), description="The sliding window (T).")
    severity: Severity = Severity.HIGH
    patterns: tuple[str, ...] = Field(
        default=(), description="Extra regular expressions with a named group `address`, tried first."
    )

    @field_validator("window")
    @classmethod
    def _window(cls, value: timedelta) -> timedelta:
        return positive(value)

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        compile_extra(value)  # raises PatternError (a ValueError) with the pattern and the reason
        return value

    def build(self) -> FailedAuth:
        return FailedAuth(self)


class _State(BaseModel):
    run: Occurrence
    """The current burst: failures with gaps shorter than the window."""
    buckets: list[tuple[int, int]] = Field(default_factory=list)
    """(bucket start in epoch seconds, failures), oldest first."""
    firing: bool = False


Failure = tuple[Seen, str]


class FailedAuth:
    """The detector (see the module's description)."""

    def __init__(self, config: FailedAuthConfig) -> None:
        self.config = config
        self.name = config.name
        self._extra = compile_extra(config.patterns)
        self._bucket = max(1, int(config.window.total_seconds() // 60))
        self._last: LastBatch[dict[str, list[Failure]]] = LastBatch()

    def _failures(self, batch: Sequence[Seen]) -> dict[str, list[Failure]]:
        return self._last.get(batch, self._read)

    def _read(self, batch: Sequence[Seen]) -> dict[str, list[Failure]]:
        found: dict[str, list[Failure]] = {}
        for seen in batch:
            failure = recognise(seen.record.message, self._extra)
            if failure is not None:
                key = key_of(seen.record.service, failure.address)
                found.setdefault(key, []).append((seen, failure.address))
        return found

    def keys(self, batch: Sequence[Seen]) -> set[str]:
        return set(self._failures(batch))

    def observe(self, states: Mapping[str, dict[str, Any]], batch: Sequence[Seen], now: datetime) -> Step:
        step = Step()
        for key, failures in self._failures(batch).items():
            state = load(_State, states.get(key), self.name, key)
            opened = changed = False
            for seen, address in sorted(failures, key=lambda f: f[0].record.timestamp):
                at = seen.record.timestamp
                if state is not None and at - state.run.last_at >= self.config.window:
                    if state.firing:
                        step.findings.append(self._finding(state, resolved=True))
                    state, opened, changed = None, False, False
                if state is None:
                    run = Occurrence(
                        service=seen.record.service,
                        template_id=seen.template_id,
                        template=seen.template,
                        subject=address,
                        first_at=at,
                        last_at=at,
                    )
                    state = _State(run=run)
                state.run.add(seen.record.message, at, self.config.samples)
                changed = True
                if self._count(state, at) >= self.config.threshold and not state.firing:
                    state.firing = opened = True
            if state is None:  # pragma: no cover - every group has a failure
                continue
            if state.firing and changed:
                step.findings.append(self._finding(state, opens=opened))
            step.states[key] = dump(state)
            step.expires[key] = state.run.last_at + self.config.window
        return step

    def expire(self, states: Mapping[str, dict[str, Any]], now: datetime) -> Step:
        step = Step()
        for key, raw in states.items():
            state = load(_State, raw, self.name, key)
            if state is None:
                step.states[key], step.expires[key] = None, None
                continue
            if now - state.run.last_at < self.config.window:
                continue
            if state.firing:
                step.findings.append(self._finding(state, resolved=True))
            step.states[key], step.expires[key] = None, None
        return step

    def _count(self, state: _State, at: datetime) -> int:
        """Add one failure at ``at`` and return the failures within the window ending at the newest one."""
        second = int(at.timestamp())
        start = second - second % self._bucket
        buckets = state.buckets
        for index, (begins, failures) in enumerate(buckets):
            if begins == start:
                buckets[index] = (begins, failures + 1)
                break
        else:
            buckets.append((start, 1))
            buckets.sort()
        horizon = max(second, buckets[-1][0]) - int(self.config.window.total_seconds())
        # A bucket counts while any of it is inside the window (T seconds back from the newest failure,
        # exclusive), so the window is exact to one bucket: a second when T <= 2 min.
        state.buckets = [(b, n) for b, n in buckets if b + self._bucket > horizon]
        return sum(n for _, n in state.buckets)

    def _finding(self, state: _State, *, resolved: bool = False, opens: bool = False) -> Finding:
        run = state.run
        source = run.subject or "an unknown address"
        if resolved:
            summary = f"{run.count} failed logins from {source} on {run.service}; none for {humanize(self.config.window)}"
        else:
            summary = (
                f"{run.count} failed logins from {source} on {run.service} "
                f"(threshold {self.config.threshold} in {humanize(self.config.window)})"
            )
        return run.finding(self.config, KIND, self.config.severity, summary, resolved=resolved, opens=opens)
