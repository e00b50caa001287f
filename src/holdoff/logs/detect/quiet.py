"""The occurrence that ends by going quiet, shared by ``critical`` and ``new_template``.

Per key, a line that may open one (a critical line; a new template with error words) opens an occurrence;
each later line of the key adds to it (count, samples); when no line of the key came for ``quiet`` it
resolves, once, and the key's state is deleted. A batch reports each key at most once (with the totals), so
10,000 identical lines are one occurrence with a count of 10,000 however they are batched. Time is the
records' own timestamps, except in the sweep, which compares the newest line with ``now``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from holdoff.logs.detect.base import DetectorConfig, Occurrence, dump, load
from holdoff.logs.detect.model import Finding, Seen, Step
from holdoff.mediate.model import Severity

Line = tuple[Seen, bool]
"""A line of a key, and whether it may open an occurrence."""
Summarize = Callable[[Occurrence, bool], str]
"""An occurrence's one-line summary; the flag says it is resolved."""


class _State(BaseModel):
    occurrence: Occurrence


class QuietOccurrences:
    """The per-key logic; a detector groups its lines by key and hands them here."""

    def __init__(
        self,
        config: DetectorConfig,
        kind: str,
        severity: Severity,
        quiet: timedelta,
        summarize: Summarize,
    ) -> None:
        self.config = config
        self.kind = kind
        self.severity = severity
        self.quiet = quiet
        self.summarize = summarize
        self.name = config.name

    def observe(self, states: Mapping[str, dict[str, Any]], lines: Mapping[str, Sequence[Line]]) -> Step:
        step = Step()
        for key, items in lines.items():
            state = load(_State, states.get(key), self.name, key)
            current = state.occurrence if state is not None else None
            opened = changed = False
            for seen, can_open in sorted(items, key=lambda item: item[0].record.timestamp):
                at = seen.record.timestamp
                if current is not None and at - current.last_at >= self.quiet:
                    step.findings.append(self._finding(current, resolved=True))
                    current, opened, changed = None, False, False
                if current is None:
                    if not can_open:
                        continue
                    current = Occurrence(
                        service=seen.record.service,
                        template_id=seen.template_id,
                        template=seen.template,
                        first_at=at,
                        last_at=at,
                    )
                    opened = True
                current.add(seen.record.message, at, self.config.samples)
                changed = True
            if current is None:
                step.states[key], step.expires[key] = None, None
                continue
            if changed:
                step.findings.append(self._finding(current, opens=opened))
            step.states[key] = dump(_State(occurrence=current))
            step.expires[key] = current.last_at + self.quiet
        return step

    def expire(self, states: Mapping[str, dict[str, Any]], now: datetime) -> Step:
        step = Step()
        for key, raw in states.items():
            state = load(_State, raw, self.name, key)
            if state is not None and now - state.occurrence.last_at < self.quiet:
                continue
            if state is not None:
                step.findings.append(self._finding(state.occurrence, resolved=True))
            step.states[key], step.expires[key] = None, None
        return step

    def _finding(self, occurrence: Occurrence, *, resolved: bool = False, opens: bool = False) -> Finding:
        summary = self.summarize(occurrence, resolved)
        return occurrence.finding(
            self.config, self.kind, self.severity, summary, resolved=resolved, opens=opens
        )


def short(template: str, limit: int = 120) -> str:
    """A template's first line, cut for a summary."""
    line = template.split("\n", 1)[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"
