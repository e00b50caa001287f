"""``critical``: lines Holdoff judged critical (``verdict.critical``), one alert per service and template.

Every critical line of a service and template counts into one occurrence (count, sample lines); it
resolves after ``quiet_for`` without another critical line of it. A flood of identical critical lines is
one alert with a count, in one batch or many.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field, field_validator

from holdoff.logs.detect.base import DetectorConfig, Duration, Occurrence, key_of, positive
from holdoff.logs.detect.model import Seen, Step
from holdoff.logs.detect.quiet import Line, QuietOccurrences, short
from holdoff.mediate.durations import humanize
from holdoff.mediate.model import Severity

KIND = "critical"


class CriticalConfig(DetectorConfig):
    """Critical lines: one alert per service and template."""

    type: Literal["critical"] = "critical"
    name: str = Field(
        default="critical", min_length=1, max_length=100, description="Names its state and alerts."
    )
    quiet_for: Duration = Field(
        default=timedelta(minutes=15), description="Resolves after this long without another critical line."
    )
    severity: Severity = Severity.CRITICAL

    @field_validator("quiet_for")
    @classmethod
    def _quiet_for(cls, value: timedelta) -> timedelta:
        return positive(value)

    def build(self) -> Critical:
        return Critical(self)


class Critical:
    """The detector (see the module's description)."""

    def __init__(self, config: CriticalConfig) -> None:
        self.config = config
        self.name = config.name
        self._core = QuietOccurrences(config, KIND, config.severity, config.quiet_for, self._summary)

    def _lines(self, batch: Sequence[Seen]) -> dict[str, list[Line]]:
        lines: dict[str, list[Line]] = {}
        for seen in batch:
            if seen.verdict.critical:
                lines.setdefault(key_of(seen.record.service, seen.template_id), []).append((seen, True))
        return lines

    def keys(self, batch: Sequence[Seen]) -> set[str]:
        return set(self._lines(batch))

    def observe(self, states: Mapping[str, dict[str, Any]], batch: Sequence[Seen], now: datetime) -> Step:
        return self._core.observe(states, self._lines(batch))

    def expire(self, states: Mapping[str, dict[str, Any]], now: datetime) -> Step:
        return self._core.expire(states, now)

    def _summary(self, occurrence: Occurrence, resolved: bool) -> str:
        lines = "line" if occurrence.count == 1 else "lines"
        text = f"{occurrence.count} critical {lines} on {occurrence.service}: {short(occurrence.template)}"
        if resolved:
            text += f" (none for {humanize(self.config.quiet_for)})"
        return text
