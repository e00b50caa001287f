"""Log lines in a replayed stream: records mined, judged and run through the detectors as the service
does, their findings replayed as alert events (``source`` ``logs``).

A stream line ``{"at": "…", "logs": [record, …]}`` is one ``POST /logs`` at ``at``: each record is
what the route accepts as JSON (an object with ``message``, ``timestamp``, ``level``, ``service``,
``host``, ``record_id``, …, or a bare string read as a text line); ``"logs"`` may also be one object,
or text lines (``{"at": …, "logs": "line\\nline", "service": "auth"}``, ``service`` required, as
``?service=`` is for ``text/plain``). ``service`` and ``host`` on a line of records are the defaults
for records that name none. Records whose (service, ``record_id``) came before are skipped, as a
retried post is.

The pipeline (:class:`holdoff.logs.pipeline.LogPipeline`) is made at the first log line: the
classifier of ``logs.classifier`` (the current model of its model directory, trained there first when
there is none), the detectors of ``logs.detectors``, a new template miner. What the service keeps in
its database is not replayed: the templates it has mined already (every template is new at first) and
operators' marks.

Time: a batch is observed at its line's ``at`` (the service uses the time the post arrived). Before
each line of the stream, whatever kind, the detectors' sweeps due by its ``at`` run in time order, each
at its own due time, so a burst that went quiet resolves when it would have, between the alerts of
the stream; the service's sweep runs every ``logs.retention.sweep_seconds``, so its resolves land up
to that much later. After the last line, the sweeps due within the replay's finish horizon run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, field_validator

from holdoff.logs import training
from holdoff.logs.detect import build_all
from holdoff.logs.model import LogRecord
from holdoff.logs.parse import parse_json_records, parse_lines
from holdoff.logs.pipeline import Judge, LogPipeline
from holdoff.mediate.model import AlertEvent
from holdoff.service.log_judge import declared_verdict

if TYPE_CHECKING:
    from holdoff.settings import Settings


class _LogsLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: datetime
    logs: list[Any] | dict[str, Any] | str
    service: str | None = None
    host: str | None = None

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a time zone, e.g. 2026-11-16T00:00:05Z")
        return value.astimezone(UTC)


@dataclass(frozen=True)
class LogBatch:
    """The records of one log line of the stream, as one post at ``at``."""

    at: datetime
    records: list[LogRecord]


def log_batch(raw: dict[str, Any]) -> LogBatch:
    """A ``{"at", "logs", …}`` line read as ``POST /logs`` reads its body; raises ``ValueError`` (or
    pydantic's ``ValidationError``) saying which field is wrong."""
    line = _LogsLine.model_validate(raw)
    logs, at = line.logs, line.at
    if isinstance(logs, str):
        if line.service is None or not line.service.strip():
            raise ValueError("service: text lines need the service they came from")
        records = parse_lines(logs.split("\n"), service=line.service.strip(), host=line.host, received=at)
    else:
        items = logs if isinstance(logs, list) else [logs]
        records = parse_json_records(items, service=line.service, host=line.host, received=at)
    return LogBatch(at, records)


def _judge(settings: Settings) -> Judge:
    logs = settings.logs
    if not logs.classifier.enabled:
        return declared_verdict
    return training.load(logs.model_dir(settings.server.data_dir)).classify


class LogLines:
    """The log path of one replay: the pipeline, the record ids seen, and the replay's clock."""

    def __init__(self, pipeline: LogPipeline) -> None:
        self.pipeline = pipeline
        self.now: datetime | None = None
        self._record_ids: set[tuple[str, str]] = set()

    @classmethod
    def of(cls, settings: Settings) -> LogLines:
        """The pipeline the service would run with ``settings`` (loads or trains the classifier)."""
        return cls(LogPipeline(_judge(settings), build_all(settings.logs.detectors)))

    def until(self, at: datetime) -> Iterator[tuple[datetime, AlertEvent]]:
        """The events of the sweeps due by ``at``, each at its due time (never before the last line)."""
        pipeline = self.pipeline
        while (due := pipeline.next_due()) is not None and due <= at:
            when = due if self.now is None or due > self.now else self.now
            self.now = when
            for event in pipeline.due(when):
                yield when, event
            after = pipeline.next_due()
            if after is not None and after <= when:
                break  # a detector asked to look again at once: the next line's sweep will
        self.now = at if self.now is None or at > self.now else self.now

    def take(self, batch: LogBatch) -> list[AlertEvent]:
        """One post: its new records mined, judged and observed at ``batch.at``."""
        fresh = [record for record in batch.records if self._fresh(record)]
        pipeline = self.pipeline
        return pipeline.observe(pipeline.see(fresh), batch.at)

    def _fresh(self, record: LogRecord) -> bool:
        if record.record_id is None:
            return True
        key = (record.service, record.record_id)
        if key in self._record_ids:
            return False
        self._record_ids.add(key)
        return True
