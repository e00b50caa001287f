"""Holdoff's own metrics: counters and histograms of what each process did (:mod:`.metrics`), merged
across worker processes (:mod:`.multiprocess`), and the figures read from the database when scraped
(:mod:`.figures`). ``GET /metrics`` serves them all; docs/operations.md lists every metric."""

from __future__ import annotations

from holdoff.telemetry.metrics import Decision, Outcome, Telemetry
from holdoff.telemetry.multiprocess import process_telemetry

__all__ = ["Decision", "Outcome", "Telemetry", "process_telemetry"]
