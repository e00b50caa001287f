"""Correlation in replay: the in-memory shell around :func:`holdoff.correlate.step.correlate_messages`.

The service keeps the same state in rows (``incident_members``); here it is dictionaries. Group incidents
are known by their number in the replay; a correlated incident by its lead's number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from holdoff.correlate.config import CorrelationConfig
from holdoff.correlate.model import (
    NO_FEEDBACK,
    NOTHING_LEARNED,
    CorrelatedIncident,
    Feedback,
    Join,
    Learned,
    NewIncident,
)
from holdoff.correlate.step import NEVER_SEEN, Change, Standing, correlate_messages, member_of
from holdoff.mediate.grouping import PAGING_KINDS, IncidentNotify, IncidentRecord
from holdoff.mediate.model import AlertRecord

Sink = Callable[[dict[str, Any]], None]


class Correlator:
    """Which group incidents form one correlated incident, as the replay goes."""

    def __init__(
        self,
        config: CorrelationConfig,
        *,
        learned: Learned = NOTHING_LEARNED,
        feedback: Feedback = NO_FEEDBACK,
        sink: Sink | None = None,
    ) -> None:
        self.config = config
        self.learned = learned
        self.feedback = feedback
        self._sink = sink
        self.lead_of: dict[int, int] = {}
        """Group incident number -> its correlated incident's lead number."""
        self._members: dict[int, list[int]] = {}
        """Lead number -> the group numbers of its members, join order."""
        self._live: dict[int, CorrelatedIncident] = {}
        """Correlated incidents with a member still open, by lead number."""
        self._open: set[int] = set()
        self.joins = 0

    @property
    def enabled(self) -> bool:
        return self.config.enabled

    def opened(self, number: int) -> None:
        self._open.add(number)

    def closed(self, number: int) -> None:
        self._open.discard(number)
        lead = self.lead_of.get(number)
        if lead is not None and lead in self._live and not self._any_open(lead):
            del self._live[lead]

    def _any_open(self, lead: int, but: int | None = None) -> bool:
        return any(member in self._open for member in self._members[lead] if member != but)

    def step(
        self,
        number: int,
        record: IncidentRecord,
        messages: Sequence[IncidentNotify],
        alerts: Callable[[str], AlertRecord | None],
        now: datetime,
    ) -> tuple[tuple[IncidentNotify, ...], int | None]:
        """The messages of group incident ``number`` to send, and the lead of its correlated incident."""
        lead = self.lead_of.get(number)
        paging = next((message for message in messages if message.kind in PAGING_KINDS), None)
        if paging is None:
            return tuple(messages), lead
        alert = alerts(paging.alerts[0].alert)
        if alert is None:
            return tuple(messages), lead
        member = member_of(record.key, alert, self.config)
        standing = NEVER_SEEN
        if lead is not None:
            current = self._live.get(lead)
            if current is not None:
                standing = Standing(current, self._any_open(lead, but=number))
        step = correlate_messages(
            messages,
            member,
            standing,
            list(self._live.values()),
            now,
            self.config,
            new_id=str(number),
            learned=self.learned,
            feedback=self.feedback,
        )
        decision = step.decision
        if step.change is not Change.NONE:
            assert step.incident is not None
            if step.change is Change.MOVE and lead is not None:
                self._members.pop(lead, None)
                self._live.pop(lead, None)
            lead = int(step.incident.id)
            self.lead_of[number] = lead
            self._members.setdefault(lead, []).append(number)
            self._live[lead] = step.incident
            if step.joined:
                self.joins += 1
        if self._sink is not None and decision is not None and step.change is not Change.NONE:
            self._record(now, number, record, member.service, decision)
        return step.messages, lead

    def _record(
        self, now: datetime, number: int, record: IncidentRecord, service: str, decision: Join | NewIncident
    ) -> None:
        assert self._sink is not None
        entry: dict[str, Any] = {
            "type": "correlation",
            "at": now.isoformat(),
            "incident": number,
            "group": record.title,
            "service": service,
        }
        if isinstance(decision, Join):
            entry.update(decision="join", into=int(decision.incident), score=round(decision.score, 3))
        else:
            entry.update(decision="new", best_score=round(decision.best_score, 3))
        entry["reasons"] = [{"kind": reason.kind.value, "text": reason.text} for reason in decision.reasons]
        self._sink(entry)
