"""Where metric samples go once they are in: the sink.

Every way in (``POST /metrics/ingest``, Prometheus ``remote_write``, the scheduled pulls) hands its
parsed samples to one :class:`MetricSink`. The sink stores them (series upserted, samples inserted,
duplicates ignored) and runs what follows them, such as the detectors, preferably in the same
transaction: :class:`AfterStore` is that second step's shape, given the open connection, the samples
just stored and the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection

from holdoff.metrics.model import Sample


class MetricSink(Protocol):
    """Takes samples in; returns how many were new (a duplicate series and time is not)."""

    def ingest(self, samples: Sequence[Sample]) -> int: ...


class AfterStore(Protocol):
    """What runs on samples in the transaction that stored them (e.g. the detectors)."""

    def __call__(self, conn: Connection, samples: Sequence[Sample], now: datetime) -> None: ...
