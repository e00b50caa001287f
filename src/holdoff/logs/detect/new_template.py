"""``new_template``: a template never seen before whose lines speak of an error.

A record opens an occurrence when its template was mined for the first time (``Seen.new_template``) and its
message carries one of the error ``words`` (whole words or phrases, any case) or Holdoff judged it ERROR or
worse. One occurrence per template: later lines of the template count into it when the template carries an
error word (then every line of it does; the template's text is read once) or Holdoff judged them ERROR or
worse, and it resolves by itself after ``resolve_after`` without such a line. A template is new only once,
so it does not open again. Lines judged critical are left to the ``critical`` detector (one alert for them,
not two) unless ``include_critical`` is set.

When Holdoff starts reading a service, every template is new: for ``learn_for`` after a service's first
line (stored per service, so it survives restarts) its templates are learned, not reported.

``since`` says what "new" means. Only ``ever`` exists today; ``deploy`` (first seen since the last deploy)
will join it once change events reach Holdoff.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

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
from holdoff.logs.detect.model import Seen, Step
from holdoff.logs.detect.quiet import Line, QuietOccurrences, short
from holdoff.logs.model import LogSeverity
from holdoff.mediate.model import Severity

KIND = "new_template"

ERROR_WORDS: tuple[str, ...] = (
    "error",
    "errors",
    "fail",
    "failed",
    "failure",
    "failing",
    "exception",
    "fatal",
    "panic",
    "panicked",
    "denied",
    "refused",
    "timeout",
    "timed out",
    "corrupt",
    "corrupted",
    "corruption",
    "crash",
    "crashed",
    "abort",
    "aborted",
    "unreachable",
    "out of memory",
    "segfault",
    "segmentation fault",
    "traceback",
    "unhealthy",
    "cannot",
    "could not",
    "unable",
)
"""The default error words (matched as whole words or phrases, any case)."""
TEMPLATE_MEMO = 50_000
"""Templates whose error words are remembered; the memo starts over beyond it."""


class NewTemplateConfig(DetectorConfig):
    """A never-seen template with error words: one alert per template."""

    type: Literal["new_template"] = "new_template"
    name: str = Field(
        default="new_template", min_length=1, max_length=100, description="Names its state and alerts."
    )
    words: tuple[str, ...] = Field(default=ERROR_WORDS, min_length=1, description="Error words and phrases.")
    since: Literal["ever"] = Field(
        default="ever",
        description='What "new" means: "ever" (never seen before); "deploy" comes with change events.',
    )
    resolve_after: Duration = Field(
        default=timedelta(hours=1), description="Resolves after this long without another such line."
    )
    learn_for: Duration = Field(
        default=timedelta(hours=1),
        description="A service's templates first seen this soon after its first line are learned, not reported.",
    )
    include_critical: bool = Field(
        default=False,
        description="Also report lines judged critical (the critical detector reports those already).",
    )
    severity: Severity = Severity.WARNING

    @field_validator("resolve_after")
    @classmethod
    def _resolve_after(cls, value: timedelta) -> timedelta:
        return positive(value)

    @field_validator("words")
    @classmethod
    def _words(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not word.strip() for word in value):
            raise ValueError("an error word cannot be empty")
        return value

    def build(self) -> NewTemplate:
        return NewTemplate(self)


def words_pattern(words: Sequence[str]) -> re.Pattern[str]:
    """One pattern for the words: whole words or phrases (inner spaces match any whitespace), any case."""
    parts = sorted({r"\s+".join(re.escape(w) for w in word.split()) for word in words}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


SERVICE_PREFIX = "~service|"
"""State keys holding when a service's lines were first seen (template ids are hex, never this)."""


class _Service(BaseModel):
    first_at: datetime


@dataclass(slots=True)
class _Batch:
    lines: dict[str, list[Seen]] = field(default_factory=dict)
    """Template key -> the batch's error lines of it."""
    services: dict[str, datetime] = field(default_factory=dict)
    """Service key -> the batch's earliest line of it (while learning is on)."""


class NewTemplate:
    """The detector (see the module's description)."""

    def __init__(self, config: NewTemplateConfig) -> None:
        self.config = config
        self.name = config.name
        self._words = words_pattern(config.words)
        self._templates: dict[str, bool] = {}
        """Template text -> whether it has an error word (a memo of a pure function)."""
        self._last: LastBatch[_Batch] = LastBatch()
        self._core = QuietOccurrences(config, KIND, config.severity, config.resolve_after, self._summary)

    def erroneous(self, seen: Seen) -> bool:
        """Whether a line speaks of an error: Holdoff judged it ERROR or worse, or its template has an
        error word (read once per template), or, for the line that made the template, its message has one."""
        if seen.verdict.severity >= LogSeverity.ERROR:
            return True
        known = self._templates.get(seen.template)
        if known is None:
            if len(self._templates) >= TEMPLATE_MEMO:
                self._templates.clear()
            known = self._templates[seen.template] = self._words.search(seen.template) is not None
        return known or (seen.new_template and self._words.search(seen.record.message) is not None)

    def _lines(self, batch: Sequence[Seen]) -> _Batch:
        return self._last.get(batch, self._read)

    def _read(self, batch: Sequence[Seen]) -> _Batch:
        read = _Batch()
        skip_critical = not self.config.include_critical
        learning = self.config.learn_for > timedelta(0)
        for seen in batch:
            if learning:
                key = key_of(SERVICE_PREFIX + seen.record.service)
                earliest = read.services.get(key)
                if earliest is None or seen.record.timestamp < earliest:
                    read.services[key] = seen.record.timestamp
            if skip_critical and seen.verdict.critical:
                continue
            if self.erroneous(seen):
                read.lines.setdefault(key_of(seen.template_id), []).append(seen)
        return read

    def keys(self, batch: Sequence[Seen]) -> set[str]:
        read = self._lines(batch)
        return set(read.lines) | set(read.services)

    def observe(self, states: Mapping[str, dict[str, Any]], batch: Sequence[Seen], now: datetime) -> Step:
        read = self._lines(batch)
        learned = Step()
        since: dict[str, datetime] = {}
        for key, earliest in read.services.items():
            known = load(_Service, states.get(key), self.name, key)
            if known is None or earliest < known.first_at:
                known = _Service(first_at=earliest)
                learned.states[key], learned.expires[key] = dump(known), None
            since[key[len(SERVICE_PREFIX) :]] = known.first_at
        learn_for = self.config.learn_for
        lines: dict[str, list[Line]] = {}
        for key, seens in read.lines.items():
            lines[key] = [
                (seen, seen.new_template and self._learned(seen, since, learn_for)) for seen in seens
            ]
        step = self._core.observe(states, lines)
        step.states.update(learned.states)
        step.expires.update(learned.expires)
        return step

    @staticmethod
    def _learned(seen: Seen, since: Mapping[str, datetime], learn_for: timedelta) -> bool:
        """Whether the service's templates were being learned long enough before this line."""
        first = since.get(seen.record.service)
        return first is None or seen.record.timestamp - first >= learn_for

    def expire(self, states: Mapping[str, dict[str, Any]], now: datetime) -> Step:
        occurrences = {k: v for k, v in states.items() if not k.startswith(SERVICE_PREFIX)}
        return self._core.expire(occurrences, now)

    def _summary(self, occurrence: Occurrence, resolved: bool) -> str:
        lines = "line" if occurrence.count == 1 else "lines"
        text = f"New log template on {occurrence.service} ({occurrence.count} {lines}): {short(occurrence.template)}"
        if resolved:
            text += " (quiet again)"
        return text
