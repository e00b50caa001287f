"""The metric detectors' outbox: alert events committed with the samples that caused them (see
:mod:`holdoff.store.findings`)."""

from __future__ import annotations

from holdoff.store.findings import Claimed, FindingsOutbox, event_from_json, event_json
from holdoff.store.metric_tables import metric_findings

OUTBOX = FindingsOutbox(metric_findings, lock_key=0x686F6C646F6D6574)  # "holdomet"

add = OUTBOX.add
claim = OUTBOX.claim
done = OUTBOX.done
failed = OUTBOX.failed
release = OUTBOX.release
pending = OUTBOX.pending

__all__ = [
    "OUTBOX",
    "Claimed",
    "add",
    "claim",
    "done",
    "event_from_json",
    "event_json",
    "failed",
    "pending",
    "release",
]
