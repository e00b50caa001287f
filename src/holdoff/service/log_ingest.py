"""The log ingest shell: records parsed by the route are mined into templates and stored, lines and
template changes together in one transaction per request.

One :class:`LogIngest` per process owns one :class:`~holdoff.logs.miner.TemplateMiner`, restored
from the stored templates at first use and guarded by a lock (the miner is not thread-safe). The
lock is held while a batch is mined and written, so template changes reach the store in the order
they were made. If the write fails the miner is dropped and restored from the store at the next
request, so its counts never run ahead of what is stored.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from holdoff.logs.miner import MinerConfig, TemplateMiner
from holdoff.logs.model import LogRecord
from holdoff.store import log_lines, log_templates
from holdoff.store.db import Database
from holdoff.store.log_lines import LogLineRow


@dataclass(frozen=True, slots=True)
class Ingested:
    """What one request did."""

    accepted: int
    stored: int
    duplicates: int
    templates_new: int


class LogIngest:
    """Mine and store log records (call :meth:`ingest` from a worker thread: it blocks)."""

    def __init__(self, db: Database, config: MinerConfig | None = None) -> None:
        self.db = db
        self.config = config or MinerConfig()
        self._lock = threading.Lock()
        self._miner: TemplateMiner | None = None

    def _restored(self) -> TemplateMiner:
        if self._miner is None:
            with self.db.read() as conn:
                self._miner = TemplateMiner(self.config, templates=log_templates.load(conn))
        return self._miner

    def ingest(self, records: Sequence[LogRecord], received: datetime) -> Ingested:
        """Store ``records`` (those whose record id is stored already are skipped, not mined)."""
        with self._lock:
            try:
                return self._ingest(records, received)
            except BaseException:
                self._miner = None
                raise

    def _ingest(self, records: Sequence[LogRecord], received: datetime) -> Ingested:
        miner = self._restored()
        with self.db.transaction() as conn:
            keys = {(r.service, r.record_id) for r in records if r.record_id is not None}
            known = log_lines.known_record_ids(conn, keys) if keys else set()
            fresh: list[LogRecord] = []
            seen: set[tuple[str, str]] = set()
            for record in records:
                if record.record_id is not None:
                    key = (record.service, record.record_id)
                    if key in known or key in seen:
                        continue
                    seen.add(key)
                fresh.append(record)
            new = 0
            rows: list[LogLineRow] = []
            for record in fresh:
                mined = miner.match(record.message, record.timestamp)
                new += mined.is_new
                rows.append(_row(record, miner.resolve(mined.template_id), received))
            log_templates.upsert(conn, miner.take_changes())
            stored = log_lines.insert(conn, rows)
        return Ingested(
            accepted=len(records), stored=stored, duplicates=len(records) - stored, templates_new=new
        )


def _row(record: LogRecord, template_id: str, received: datetime) -> LogLineRow:
    return LogLineRow(
        received_at=received,
        timestamp=record.timestamp,
        service=record.service,
        host=record.host,
        level=record.level,
        severity_number=record.severity_number,
        message=record.message,
        template_id=template_id,
        attributes=dict(record.attributes),
        record_id=record.record_id,
    )
