"""What a replay found: counts, messages per channel and kind, the page reduction, late escalations and,
when the stream carries ground truth, whether every real incident reached a human in time."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from holdoff.correlate.config import CorrelationConfig
from holdoff.mediate.model import Action
from holdoff.mediate.policy import Policy
from holdoff.replay.collector import fewer_collections
from holdoff.replay.simulator import LATE_TOLERANCE, Message, Simulator, Sink
from holdoff.replay.stream import StreamEvent, Truth

REAL = "incident"


@dataclass
class _TruthIncident:
    first_at: datetime
    allowed: timedelta
    alerts: set[str] = field(default_factory=set)
    first_page_at: datetime | None = None
    pages: int = 0


@dataclass(frozen=True)
class Report:
    events: int
    alerts: int
    occurrences: int
    incidents: int
    transients_held: int
    escalations: int
    held: dict[str, int]
    messages: dict[str, dict[str, int]]
    """Messages per channel, then per kind."""
    pages: int
    baseline_pages: int
    """One page per alert occurrence: what forwarding every alert would send."""
    late: list[dict[str, Any]]
    seconds: float
    truth: dict[str, Any] | None = None
    correlated: int = 0
    """Incident groups correlation joined to an incident that had paged (their pages became updates)."""

    @property
    def reduction(self) -> float:
        return 1 - self.pages / self.baseline_pages if self.baseline_pages else 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else float("inf")

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "alerts": self.alerts,
            "occurrences": self.occurrences,
            "incidents": self.incidents,
            "correlated": self.correlated,
            "transients_held": self.transients_held,
            "escalations": self.escalations,
            "held": self.held,
            "messages": self.messages,
            "pages": self.pages,
            "baseline_pages": self.baseline_pages,
            "page_reduction": round(self.reduction, 4),
            "late_escalations": self.late,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events_per_second, 1),
            "truth": self.truth,
        }


class _Scorer:
    """Follows the stream's ground truth and the messages, to say which real incidents were paged when."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.current: dict[str, Truth] = {}
        self.incidents: dict[str, _TruthIncident] = {}
        self.kinds: Counter[str] = Counter()
        self.real_pages = 0
        self.noise_pages = 0
        self.together: dict[int, set[str]] = {}
        """Holdoff's incidents (a correlated incident by its lead) -> the real incidents its messages named."""

    def event(self, key: str, item: StreamEvent, simulator: Simulator) -> None:
        truth = item.truth
        if truth is None:
            return
        if item.event.action is Action.TRIGGERED:
            self.current[key] = truth
            self.kinds[truth.kind] += 1
        if truth.kind != REAL or truth.incident is None:
            return
        incident = self.incidents.get(truth.incident)
        record = simulator.records.get(key)
        if incident is None:
            allowed = timedelta(0)
            if record is not None:
                plan = self.policy.plan(record)
                grouping = plan.grouping
                allowed = plan.grace + (max(grouping.wait, grouping.interval) if grouping else timedelta(0))
            incident = self.incidents[truth.incident] = _TruthIncident(item.at, allowed)
        incident.alerts.add(key)

    def message(self, message: Message) -> None:
        hit = {
            truth.incident
            for key in message.alerts
            if (truth := self.current.get(key)) is not None and truth.kind == REAL and truth.incident
        }
        number = message.correlated if message.correlated is not None else message.incident
        if number is not None and hit:
            self.together.setdefault(number, set()).update(hit)
        if not message.page:
            return
        if not hit:
            self.noise_pages += 1
            return
        self.real_pages += 1
        for name in hit:
            incident = self.incidents.get(name)
            if incident is None:
                continue
            incident.pages += 1
            if incident.first_page_at is None:
                incident.first_page_at = message.at

    def summary(self) -> dict[str, Any] | None:
        if not self.current:
            return None
        missed = []
        delays = []
        for name, incident in sorted(self.incidents.items()):
            if incident.first_page_at is None:
                missed.append({"incident": name, "why": "never paged"})
                continue
            delay = incident.first_page_at - incident.first_at
            delays.append(delay.total_seconds())
            if delay > incident.allowed + LATE_TOLERANCE:
                missed.append(
                    {
                        "incident": name,
                        "why": f"paged after {delay.total_seconds():.0f}s, policy allows "
                        f"{incident.allowed.total_seconds():.0f}s",
                    }
                )
        count = len(self.incidents)
        per_incident = [incident.pages for incident in self.incidents.values()]
        joined = sorted({name for names in self.together.values() if len(names) > 1 for name in names})
        split = sorted(name for name, incident in self.incidents.items() if incident.pages > 1)
        return {
            "triggers_by_kind": dict(sorted(self.kinds.items())),
            "real_incidents": count,
            "missed": missed,
            "pages_with_real_incident": self.real_pages,
            "noise_pages": self.noise_pages,
            "pages_per_real_incident": round(self.real_pages / count, 2) if count else None,
            "mean_pages_naming_each_incident": round(sum(per_incident) / count, 2) if count else None,
            "max_first_page_delay_s": max(delays) if delays else None,
            "wrongly_joined": joined,
            "split": split,
        }


def replay(
    policy: Policy,
    stream: Iterable[StreamEvent],
    *,
    decisions: Sink | None = None,
    progress: Callable[[int], None] | None = None,
    correlation: CorrelationConfig | None = None,
) -> Report:
    """Run ``stream`` through the core (correlating incidents with ``correlation`` when it is on);
    ``progress`` is called with the number of events done every 1,000."""
    scorer = _Scorer(policy)
    simulator = Simulator(policy, decisions=decisions, on_message=scorer.message, correlation=correlation)
    started = time.perf_counter()
    feed = simulator.feed
    with fewer_collections():
        for done, item in enumerate(stream, 1):
            event = item.event
            key = f"{event.source}\x1f{event.fingerprint}"
            feed(item.at, event, key)
            if item.truth is not None:
                scorer.event(key, item, simulator)
            if progress is not None and done % 1000 == 0:
                progress(done)
        simulator.finish()
    seconds = time.perf_counter() - started
    if progress is not None:
        progress(simulator.stats.events)
    return _report(simulator, scorer, seconds)


def _report(simulator: Simulator, scorer: _Scorer, seconds: float) -> Report:
    stats = simulator.stats
    messages: dict[str, Counter[str]] = {}
    for message in simulator.messages:
        for channel in message.channels:
            messages.setdefault(channel, Counter())[message.kind.value] += 1
    return Report(
        events=stats.events,
        alerts=len(simulator.records),
        occurrences=stats.occurrences,
        incidents=stats.incidents,
        transients_held=stats.transients,
        escalations=stats.escalations,
        held=dict(sorted(stats.held.items())),
        messages={channel: dict(sorted(kinds.items())) for channel, kinds in sorted(messages.items())},
        pages=sum(1 for message in simulator.messages if message.page),
        baseline_pages=stats.occurrences,
        late=stats.late,
        seconds=seconds,
        truth=scorer.summary(),
        correlated=simulator.correlator.joins if simulator.correlator is not None else 0,
    )
