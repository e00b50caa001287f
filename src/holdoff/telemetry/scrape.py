"""One scrape of ``GET /metrics``: the process counters and the database figures, in one exposition."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client.core import Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from holdoff.clock import Clock
from holdoff.store.db import Database
from holdoff.telemetry.figures import DatabaseCollector
from holdoff.telemetry.metrics import Telemetry
from holdoff.telemetry.multiprocess import counters


class _Together(Collector):
    """Several collectors read as one, in order (made per scrape; registered nowhere)."""

    def __init__(self, collectors: Iterable[Collector]) -> None:
        self.collectors = tuple(collectors)

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def exposition(db: Database, clock: Clock, telemetry: Telemetry, channels: Iterable[str] = ()) -> bytes:
    """The text exposition of this scrape (blocking: it reads the database, and in multiprocess mode
    every worker's files). ``channels``: the configured channels, each an outbox series even at 0."""
    database = DatabaseCollector(db, clock, tuple(channels))
    return generate_latest(_Together([database, counters(telemetry)]))
