"""Detectors on the log stream: failed-login bursts, error rates, new error templates, critical lines.

A pure core: each detector takes a batch of :class:`~holdoff.logs.detect.model.Seen` records with the
stored state of the keys it touches and the time, and returns new states, when to look again, and
:class:`~holdoff.logs.detect.model.Finding` values; :func:`~holdoff.logs.detect.events.events` turns
findings into alert events for mediation. The ingest shell stores the states and the events.
"""

from holdoff.logs.detect.events import events
from holdoff.logs.detect.model import Detector, Finding, Seen, Step
from holdoff.logs.detect.table import (
    DETECTOR_TYPES,
    AnyDetectorConfig,
    build_all,
    check_names,
    default_detectors,
)

__all__ = [
    "DETECTOR_TYPES",
    "AnyDetectorConfig",
    "Detector",
    "Finding",
    "Seen",
    "Step",
    "build_all",
    "check_names",
    "default_detectors",
    "events",
]
