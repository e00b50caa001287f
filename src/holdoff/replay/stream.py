"""Reading a recorded alert stream (JSON Lines).

Each line is one of:

- a normalized alert event: ``{"at": "2026-11-16T00:00:05Z", "source": "alertmanager", "fingerprint":
  "9f0c…", "action": "triggered", "name": "HighErrorRate", "severity": "high", "labels": {…},
  "annotations": {…}, "truth": {…}}`` (``action``: triggered, resolved, acknowledged or suppressed);
- a raw webhook as a source sent it: ``{"at": "…", "webhook": "alertmanager", "body": {…}}``, parsed
  by the same code as that source's route (``POST /webhooks/alertmanager``; the ``service`` label
  named the same way, ``sources.naming``), for every source of
  :mod:`holdoff.ingest.registry`: Coralogix and CloudWatch/SNS included. ``body`` may also be the text
  that was posted (SNS posts JSON as ``text/plain``). A recording is trusted as recorded: what only a
  live request goes through (the SNS signature and topic checks, the subscription handshake) is
  skipped, and a ``SubscriptionConfirmation`` in a recording stands for no alert;
- log records, as one ``POST /logs`` at ``at``: ``{"at": "…", "logs": [record, …]}`` (each record as the
  route takes JSON) or ``{"at": "…", "logs": "text lines", "service": "auth"}``. They are mined, judged
  and run through the configured detectors (:mod:`holdoff.replay.logs`); the findings are replayed as
  alert events of source ``logs``, and the detectors' sweeps (resolves) at the times they fall due.

``truth`` is optional ground truth from a generator (``bench/streamgen.py``): ``kind`` (incident,
transient, flapping, maintenance, noise) and, for real incidents, the ``incident`` id. Lines must be
in time order. Blank lines and lines starting with ``#`` are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from holdoff.edge import parse_json
from holdoff.ingest.registry import BY_NAME, NAMES
from holdoff.ingest.source import parse_named
from holdoff.mediate.model import Action, AlertEvent, Severity
from holdoff.replay.logs import LogBatch, LogLines, log_batch
from holdoff.replay.simulator import FINISH_HORIZON

if TYPE_CHECKING:
    from holdoff.settings import Settings

ACTIONS = {
    "triggered": Action.TRIGGERED,
    "resolved": Action.RESOLVED,
    "acknowledged": Action.ACKNOWLEDGED,
    "suppressed": Action.SUPPRESSED,
}


class StreamError(ValueError):
    """A line of the stream that cannot be replayed; the message names the line."""


class Truth(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str
    incident: str | None = None
    role: str | None = None


class _Line(BaseModel):
    model_config = ConfigDict(extra="ignore")

    at: datetime
    source: str = Field(min_length=1, max_length=64)
    fingerprint: str = Field(min_length=1, max_length=255)
    action: str
    name: str = ""
    severity: Severity | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    truth: Truth | None = None

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a time zone, e.g. 2026-11-16T00:00:05Z")
        return value.astimezone(UTC)

    @field_validator("action")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
        return value


class _Webhook(BaseModel):
    at: datetime
    webhook: str
    body: dict[str, Any] | str
    truth: Truth | None = None


@dataclass(frozen=True)
class StreamEvent:
    at: datetime
    event: AlertEvent
    truth: Truth | None = None


def read(path: Path, settings: Settings) -> Iterator[StreamEvent]:
    """The events of a stream file, in order; raises :class:`StreamError` naming the first bad line."""
    with path.open(encoding="utf-8") as handle:
        yield from parse_lines(handle, settings, name=str(path))


def parse_lines(
    lines: IO[str] | list[str], settings: Settings, *, name: str = "stream"
) -> Iterator[StreamEvent]:
    previous: datetime | None = None
    logs: LogLines | None = None
    for number, text in enumerate(lines, 1):
        text = text.strip()
        if not text or text.startswith("#"):
            continue
        batch: LogBatch | None = None
        events: list[StreamEvent] = []
        try:
            raw = parse_json(text)
            if not isinstance(raw, dict):
                raise StreamError("not a JSON object")
            if "logs" in raw:
                batch = log_batch(raw)
            else:
                events = _webhook(raw, settings) if "webhook" in raw else [_event(raw)]
        except (json.JSONDecodeError, ValidationError, StreamError, ValueError) as exc:
            raise StreamError(f"{name} line {number}: {_explain(exc)}") from None
        at = batch.at if batch is not None else events[0].at if events else None
        if at is None:
            continue
        if previous is not None and at < previous:
            raise StreamError(f"{name} line {number}: {at.isoformat()} is earlier than the line before")
        previous = at
        if logs is None and batch is not None:
            logs = LogLines.of(settings)
        if logs is not None:
            yield from (StreamEvent(when, event) for when, event in logs.until(at))
        if batch is not None and logs is not None:
            events = [StreamEvent(at, event) for event in logs.take(batch)]
        yield from events
    if logs is not None and previous is not None:
        yield from (StreamEvent(when, event) for when, event in logs.until(previous + FINISH_HORIZON))


def _explain(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {str(first['msg']).removeprefix('Value error, ')}"
    return str(exc)


def _event(raw: dict[str, Any]) -> StreamEvent:
    line = _Line.model_validate(raw)
    event = AlertEvent(
        source=line.source,
        fingerprint=line.fingerprint,
        action=ACTIONS[line.action],
        name=line.name,
        severity=line.severity,
        labels=line.labels,
        annotations=line.annotations,
        actor="replay" if line.action in ("acknowledged", "suppressed") else None,
    )
    return StreamEvent(line.at, event, line.truth)


def _webhook(raw: dict[str, Any], settings: Settings) -> list[StreamEvent]:
    line = _Webhook.model_validate(raw)
    source = BY_NAME.get(line.webhook)
    if source is None:
        raise StreamError(f"unknown webhook {line.webhook!r}; known: {', '.join(NAMES)}")
    body = line.body
    if isinstance(body, str):
        body = parse_json(body)
        if not isinstance(body, dict):
            raise StreamError(f"body: the text holds {type(body).__name__}, not a JSON object")
    if line.at.tzinfo is None:
        raise StreamError("at: needs a time zone, e.g. 2026-11-16T00:00:05Z")
    at = line.at.astimezone(UTC)
    return [StreamEvent(at, event, line.truth) for event in parse_named(source, body, settings)]
