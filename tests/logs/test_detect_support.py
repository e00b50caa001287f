"""Helpers for the detector tests: records as ingest would see them, and a shell that keeps states as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from holdoff.logs.detect.model import Detector, Finding, Seen, Step
from holdoff.logs.model import LogRecord, LogSeverity, TemplateHistory, Verdict

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def seen(
    message: str,
    when: float | datetime = 0.0,
    *,
    service: str = "sshd",
    template_id: str = "t-1",
    template: str | None = None,
    severity: LogSeverity = LogSeverity.INFO,
    critical: bool = False,
    new: bool = False,
    declared: LogSeverity | None = None,
) -> Seen:
    """One record, judged by hand (no classifier involved)."""
    timestamp = when if isinstance(when, datetime) else at(when)
    text = template if template is not None else message
    verdict = Verdict(
        severity=severity,
        critical=critical,
        score=0.9 if critical else 0.1,
        template=TemplateHistory(template_id=template_id, template=text, seen=0 if new else 5),
        reason=(),
        declared=declared,
        model_version="test",
    )
    record = LogRecord(timestamp=timestamp, service=service, message=message)
    return Seen(record=record, template_id=template_id, template=text, new_template=new, verdict=verdict)


@dataclass
class Shell:
    """What the ingest shell does with a detector: states stored as JSON text, sweeps when asked."""

    detector: Detector
    rows: dict[str, str] = field(default_factory=dict)
    expires: dict[str, datetime | None] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def states(self, keys: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        wanted = self.rows.keys() if keys is None else keys
        return {k: json.loads(self.rows[k]) for k in wanted if k in self.rows}

    def _apply(self, step: Step) -> list[Finding]:
        for key, state in step.states.items():
            if state is None:
                self.rows.pop(key, None)
                self.expires.pop(key, None)
            else:
                self.rows[key] = json.dumps(state)
        for key, when in step.expires.items():
            if key in self.rows:
                self.expires[key] = when
        self.findings += step.findings
        return step.findings

    def feed(self, batch: Sequence[Seen], now: datetime | None = None) -> list[Finding]:
        keys = self.detector.keys(batch)
        moment = now or max((s.record.timestamp for s in batch), default=T0)
        return self._apply(self.detector.observe(self.states(keys), batch, moment))

    def sweep(self, now: datetime) -> list[Finding]:
        due = [k for k, when in self.expires.items() if when is not None and when <= now]
        return self._apply(self.detector.expire(self.states(due), now))


def final(findings: Sequence[Finding]) -> dict[tuple[str, str, str, datetime], tuple[int, bool]]:
    """Each occurrence (service, template, subject, start) -> its last reported count and whether it resolved."""
    out: dict[tuple[str, str, str, datetime], tuple[int, bool]] = {}
    for f in findings:
        out[(f.service, f.template_id, f.subject, f.first_at)] = (f.count, f.resolved)
    return out
