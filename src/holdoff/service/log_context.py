"""The log lines around an alert: from the user's own log store when ``logs: lookup:`` names one
(Loki, Elasticsearch/OpenSearch, CloudWatch Logs), otherwise from Holdoff's own table of recent lines,
which keeps only a bounded retention (``logs: retention:``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from holdoff.logs.lookup.around import Around, query_for
from holdoff.logs.lookup.catalog import AnyLookupConfig, build
from holdoff.logs.lookup.query import FoundLine, LogLookup, LookupQuery
from holdoff.store import alerts as alert_store
from holdoff.store import log_lines
from holdoff.store.db import Database

STORED_NAME = "holdoff"


class StoredLines:
    """Holdoff's own recent lines as a lookup (what ``GET /logs`` lists), with their verdicts as labels."""

    name = STORED_NAME

    def __init__(self, db: Database) -> None:
        self.db = db

    def lines(self, query: LookupQuery) -> list[FoundLine]:
        with self.db.read() as conn:
            rows = log_lines.recent(
                conn,
                service=query.service,
                since=query.start,
                until=query.end,
                template_id=query.template_id,
                host=query.host,
                contains=query.contains,
                limit=query.limit,
            )
        return [
            FoundLine(
                timestamp=row.timestamp,
                service=row.service,
                host=row.host,
                level=row.level,
                message=row.message,
                source_name=self.name,
                labels=_verdict_labels(row),
            )
            for row in rows
        ]

    def describe(self) -> str:
        return "Holdoff's own recent log lines (bounded retention)"

    def close(self) -> None:
        return None


def _verdict_labels(row: log_lines.LogLineRow) -> dict[str, str]:
    labels: dict[str, str] = {}
    if row.template_id is not None:
        labels["template_id"] = row.template_id
    if row.severity is not None:
        labels["severity"] = row.severity
    if row.critical is not None:
        labels["critical"] = str(row.critical).lower()
    return labels


def log_lookup(db: Database, config: AnyLookupConfig | None) -> LogLookup:
    """The configured store's lookup, or Holdoff's own lines when none is configured."""
    return build(config) if config is not None else StoredLines(db)


@dataclass(frozen=True)
class AlertLines:
    """The lines around one alert, and where and how they were looked up."""

    alert_id: int
    started: datetime
    query: LookupQuery
    source: str
    lines: list[FoundLine]


def alert_lines(db: Database, lookup: LogLookup, alert_id: int, around: Around) -> AlertLines | None:
    """The lines of the alert's service around its start (None: no such alert). Raises
    :class:`~holdoff.logs.lookup.around.NoService` and
    :class:`~holdoff.logs.lookup.query.LookupFailed`."""
    with db.read() as conn:
        stored = alert_store.get(conn, alert_id)
    if stored is None:
        return None
    record = stored.record
    started = record.source_started_at or record.opened_at or stored.created_at
    query = query_for(record.labels, started, around)
    return AlertLines(alert_id, started, query, lookup.name, lookup.lines(query))
