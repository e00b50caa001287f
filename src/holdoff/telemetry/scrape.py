"""One scrape of ``GET /metrics``: the process counters and other collectors, in one exposition."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from holdoff.telemetry.metrics import Telemetry
from holdoff.telemetry.multiprocess import counters


class _Together(Collector):
    """Several collectors read as one, in order (made per scrape; registered nowhere)."""

    def __init__(self, *collectors: Collector) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def exposition(first: Collector, telemetry: Telemetry) -> bytes:
    """The text exposition of ``first`` (the figures read from the database) followed by the process
    counters: this process's, or in multiprocess mode every worker's files merged (blocking: it may
    read the database and files)."""
    return generate_latest(_Together(first, counters(telemetry)))
