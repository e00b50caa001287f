"""Holdoff's own metrics: counters and histograms of what each process did (:mod:`.metrics`), merged
across worker processes (:mod:`.multiprocess`). ``GET /metrics`` (:mod:`holdoff.api.routes.prometheus`)
serves them with the figures it reads from the database; docs/operations.md lists every metric.

This package sits at the bottom of the layers (it imports prometheus_client and the core's plain data
only), so any component, the database handle included, can be given a :class:`Telemetry`."""

from __future__ import annotations

from holdoff.telemetry.metrics import Decision, Outcome, Telemetry
from holdoff.telemetry.multiprocess import process_telemetry

__all__ = ["Decision", "Outcome", "Telemetry", "process_telemetry"]
