"""The log path in memory: records mined and judged, run through the detectors, findings as alert events.

The service (:mod:`holdoff.service.log_ingest`) mines and judges each request's records with
:meth:`LogPipeline.see`, then runs the detectors over states locked in the database. ``holdoff replay``
runs the whole path here: :meth:`~LogPipeline.observe` and :meth:`~LogPipeline.due` keep each detector's
states in dictionaries the way the service keeps them in ``log_detector_state`` (a row for every key a
batch touches, its state and when the sweep must look at it again), so both run the same mining,
judging, detectors and findings-to-events code and cannot drift apart.

States go through JSON between calls, as they do through the database, so a detector that handed back
an object it still holds cannot see it change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from holdoff.logs.classify.stream import Histories
from holdoff.logs.detect.events import events as finding_events
from holdoff.logs.detect.model import Detector, Finding, Seen, Step
from holdoff.logs.miner import MinerConfig, TemplateMiner
from holdoff.logs.model import LogRecord, TemplateHistory, Verdict
from holdoff.mediate.model import AlertEvent

Judge = Callable[[LogRecord, TemplateHistory], Verdict]
"""A verdict on a record given its template's history: ``Classifier.classify``, or the service's
``Judge.verdict`` (which follows the declared level while no model exists)."""


class _States:
    """One detector's rows: key -> state (``{}`` for a key touched that holds nothing) and expiry."""

    def __init__(self) -> None:
        self.rows: dict[str, str] = {}
        self.expires: dict[str, datetime] = {}

    def lock(self, keys: set[str]) -> dict[str, dict[str, Any]]:
        """The states of ``keys`` that hold something (a row is made for each new key, as the store does)."""
        out: dict[str, dict[str, Any]] = {}
        for key in sorted(keys):
            text = self.rows.setdefault(key, "{}")
            if text != "{}":
                out[key] = json.loads(text)
        return out

    def due(self, now: datetime) -> dict[str, dict[str, Any]]:
        return {
            key: json.loads(self.rows[key])
            for key in sorted(k for k, when in self.expires.items() if when <= now)
        }

    def save(self, step: Step) -> None:
        """What ``log_detector_state.save`` writes: a state of None deletes its key; a state written
        takes the step's expiry for it (none if left out); an expiry alone moves a stored key's."""
        for key, state in step.states.items():
            if state is None:
                self.rows.pop(key, None)
                self.expires.pop(key, None)
                continue
            self.rows[key] = json.dumps(state, separators=(",", ":"))
            self._expire_at(key, step.expires.get(key))
        for key in step.expires.keys() - step.states.keys():
            if key in self.rows:
                self._expire_at(key, step.expires[key])

    def _expire_at(self, key: str, when: datetime | None) -> None:
        if when is None:
            self.expires.pop(key, None)
        else:
            self.expires[key] = when


class LogPipeline:
    """Mine, judge and detect log records in memory (one thread at a time)."""

    def __init__(
        self,
        judge: Judge,
        detectors: Sequence[Detector] = (),
        *,
        miner: TemplateMiner | None = None,
        miner_config: MinerConfig | None = None,
        marks: Mapping[str, bool] | None = None,
    ) -> None:
        """``miner`` carries templates over (the service restores one from the store); otherwise a new
        one with ``miner_config``. ``marks`` are the operators' marks by template id (True: critical,
        False: noise), read at every record, so a dictionary updated in place is followed."""
        self.judge = judge
        self.detectors = tuple(detectors)
        self.miner = miner if miner is not None else TemplateMiner(miner_config)
        self.histories = Histories(self.miner, marks if marks is not None else {})
        self._states = {detector.name: _States() for detector in self.detectors}

    def see(self, records: Sequence[LogRecord]) -> list[Seen]:
        """Each record mined into its template and judged with the template's history before it."""
        seen: list[Seen] = []
        for record in records:
            history = self.histories(record)
            verdict = self.judge(record, history)
            seen.append(Seen(record, history.template_id, history.template, history.seen == 0, verdict))
        return seen

    def observe(self, seen: Sequence[Seen], now: datetime) -> list[AlertEvent]:
        """One batch through every detector, in order: the alert events of their findings."""
        findings: list[Finding] = []
        if not seen:
            return []
        for detector in self.detectors:
            states = self._states[detector.name]
            step = detector.observe(states.lock(detector.keys(seen)), seen, now)
            states.save(step)
            findings += step.findings
        return finding_events(findings)

    def due(self, now: datetime) -> list[AlertEvent]:
        """The sweep at ``now``: each detector's look at the keys whose time has come (resolves, windows
        emptied), as the service's ``LogIngest.sweep`` does."""
        findings: list[Finding] = []
        for detector in self.detectors:
            states = self._states[detector.name]
            due = states.due(now)
            if not due:
                continue
            step = detector.expire(due, now)
            states.save(step)
            findings += step.findings
        return finding_events(findings)

    def next_due(self) -> datetime | None:
        """The earliest time a key's sweep is due, or None when none waits."""
        return min((when for s in self._states.values() for when in s.expires.values()), default=None)
