"""What the log detectors take in and give back: the values between the pure detectors and the ingest shell.

The shell hands a detector the records of one ingest batch as :class:`Seen` values, with the stored state
of the keys the batch touches (:meth:`Detector.keys`); the detector answers with a :class:`Step`: the new
state of each key, when the sweep must look at a key again without new lines, and its :class:`Finding`
values, which :func:`holdoff.logs.detect.events.events` turns into alert events for mediation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from holdoff.logs.model import LogRecord, Verdict
from holdoff.mediate.model import Severity

MAX_KEY = 500
"""A state key is at most this long (the ``log_detector_state.key`` column)."""


@dataclass(frozen=True, slots=True)
class Seen:
    """One record as ingest saw it: parsed, mined and judged."""

    record: LogRecord
    template_id: str
    template: str
    new_template: bool
    """The first time this template was ever mined."""
    verdict: Verdict


class Finding(BaseModel):
    """One occurrence of something a detector found, as it stands after a batch (or a sweep).

    An occurrence is reported when it opens, again whenever a batch adds to it (the same ``first_at``,
    a larger ``count``), and once more with ``resolved=True`` when it ends.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    detector: str
    """The detector's configured name."""
    kind: str
    """The detector's type (``failed_auth``, ``error_rate``, ``new_template``, ``critical``)."""
    service: str
    template_id: str
    template: str
    subject: str = ""
    """What the occurrence is about besides service and template (the source address); "" if nothing."""
    severity: Severity
    summary: str
    """One line for people."""
    count: int
    """Lines counted in this occurrence so far."""
    samples: tuple[str, ...] = ()
    """Up to the configured number of messages: the first ones, and the latest last."""
    first_at: datetime
    """When the occurrence began: the same on every report of one occurrence."""
    last_at: datetime
    """The newest line counted."""
    resolved: bool = False
    opens: bool = False
    """This report opens the occurrence (its first report)."""


@dataclass(frozen=True)
class Step:
    """What one call of a detector decided."""

    states: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    """Key -> its new JSON-able state; None: delete the key. Keys left out are unchanged."""
    expires: dict[str, datetime | None] = field(default_factory=dict)
    """Key -> when the sweep must look at it even without new lines; None: never."""
    findings: list[Finding] = field(default_factory=list)


class Detector(Protocol):
    """A detector over the log stream: pure, with its state in plain JSON per key."""

    name: str

    def keys(self, batch: Sequence[Seen]) -> set[str]:
        """The state keys this batch may touch (a superset is fine: missing states are empty)."""
        ...

    def observe(self, states: Mapping[str, dict[str, Any]], batch: Sequence[Seen], now: datetime) -> Step:
        """Take in one batch; ``states`` holds the stored state of the keys that have one."""
        ...

    def expire(self, states: Mapping[str, dict[str, Any]], now: datetime) -> Step:
        """The periodic sweep: resolve what went quiet, drop what is empty."""
        ...
