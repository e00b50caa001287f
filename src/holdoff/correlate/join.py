"""Join or not: does a new member belong to one of the open correlated incidents?

The rules (weights in :class:`~holdoff.correlate.config.CorrelationConfig`, see docs/correlation.md):

1. **Time is required, never enough.** Only the incident's members that started within ``window`` of the
   new member are compared with it, and only while the incident is younger than ``max_span``.
2. **Evidence** between the new member and one of those members adds up to a score: a dependency link
   between their services (configured ``topology``, or ``learned`` from history), the same service
   (two sources naming it), shared topology labels (node > namespace > cluster, capped), the same new
   log template, the same change event. The best member's score counts; it must reach ``min_score``.
3. **Operators win.** A split pair never joins again; a merged pair joins whenever both are open.
4. Of several incidents that qualify, the highest score wins, then the nearest start, then the oldest.

Pure: the open incidents, the member, ``now`` and the configuration in; a decision with its reasons out.
The caller (the service, or replay) adds the member to the incident (:meth:`CorrelatedIncident.with_member`)
and updates its message instead of paging again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from holdoff.correlate.config import CorrelationConfig
from holdoff.correlate.model import (
    NO_FEEDBACK,
    NOTHING_LEARNED,
    CorrelatedIncident,
    Decision,
    Feedback,
    Join,
    Learned,
    Member,
    NewIncident,
    Reason,
    ReasonKind,
)
from holdoff.mediate.durations import humanize

MERGED_SCORE = 100.0
"""The score of a join an operator asked for: above any evidence."""
_DISABLED = NewIncident((Reason(ReasonKind.DISABLED, "correlation is off"),))


def decide(
    open_incidents: Sequence[CorrelatedIncident],
    member: Member,
    now: datetime,
    config: CorrelationConfig,
    learned: Learned = NOTHING_LEARNED,
    feedback: Feedback = NO_FEEDBACK,
) -> Decision:
    """Join ``member`` to the open incident the evidence points to, or open a new one."""
    if not config.enabled:
        return _DISABLED
    started = min(member.started, now)
    best: tuple[float, float, datetime, str] | None = None
    best_reasons: tuple[Reason, ...] = ()
    refused: list[Reason] = []
    best_below = 0.0
    for incident in open_incidents:
        if started - incident.opened_at > config.max_span:
            continue
        scored = _score(incident, member, started, config, learned, feedback)
        if scored is None:
            continue
        score, gap, reasons = scored
        if score < config.min_score:
            best_below = max(best_below, score)
            refused.extend(reasons)
            continue
        rank = (-score, gap, incident.opened_at, incident.id)
        if best is None or rank < best:
            best, best_reasons = rank, reasons
    if best is None:
        return NewIncident(tuple(refused), best_below)
    return Join(best[3], -best[0], best_reasons)


def _score(
    incident: CorrelatedIncident,
    member: Member,
    started: datetime,
    config: CorrelationConfig,
    learned: Learned,
    feedback: Feedback,
) -> tuple[float, float, tuple[Reason, ...]] | None:
    """The incident's score for ``member`` (best member), the time gap in seconds, and the reasons;
    None when no member of it is close enough in time (or an operator merged/split says otherwise)."""
    window = config.window
    best: tuple[float, float, tuple[Reason, ...]] | None = None
    for other in incident.members:
        if feedback.split(other.key, member.key):
            return (
                0.0,
                0.0,
                (Reason(ReasonKind.SPLIT, f"an operator split {_name(member)} from {_name(other)}"),),
            )
        gap = abs((started - other.started).total_seconds())
        if feedback.merged(other.key, member.key):
            merged = Reason(
                ReasonKind.MERGE, f"an operator merged {_name(member)} with {_name(other)}", MERGED_SCORE
            )
            best = (MERGED_SCORE, gap, (merged,))
            continue
        if gap > window.total_seconds() or other.key == member.key:
            continue
        score, reasons = evidence(other, member, config, learned)
        if best is None or (score, -gap) > (best[0], -best[1]):
            when = _when(started - other.started, other)
            if score > 0:
                best = (score, gap, (Reason(ReasonKind.TIME, when), *reasons))
            else:
                text = f"{when}, but nothing else links them (time alone never joins)"
                best = (0.0, gap, (Reason(ReasonKind.NO_EVIDENCE, text),))
    return best


def evidence(
    other: Member, member: Member, config: CorrelationConfig, learned: Learned = NOTHING_LEARNED
) -> tuple[float, tuple[Reason, ...]]:
    """What links two members besides time: the score and a reason for each piece of evidence."""
    reasons: list[Reason] = []
    weights = config.weights
    a, b = member.service, other.service
    if a and b:
        if a == b:
            sources = ", ".join(dict.fromkeys((other.source, member.source)))
            reasons.append(
                Reason(ReasonKind.SAME_SERVICE, f"same service {a} ({sources})", weights.same_service)
            )
        elif config.depends(a, b):
            reasons.append(Reason(ReasonKind.TOPOLOGY, f"{a} depends on {b} (topology)", weights.topology))
        elif config.depends(b, a):
            reasons.append(Reason(ReasonKind.TOPOLOGY, f"{b} depends on {a} (topology)", weights.topology))
        elif config.learned.enabled:
            link = learned.link(a, b)
            if (
                link is not None
                and link.together >= config.learned.min_count
                and link.lift >= config.learned.min_lift
            ):
                reasons.append(Reason(ReasonKind.LEARNED, link.text(), weights.learned))
    shared = [
        (label, value, weight)
        for label, weight in config.topology_labels.items()
        if (value := member.labels.get(label)) and other.labels.get(label) == value
    ]
    if shared:
        text = "shares " + ", ".join(f"{label}={value}" for label, value, _ in shared)
        reasons.append(Reason(ReasonKind.LABELS, text, min(sum(w for *_, w in shared), weights.labels_cap)))
    for item in sorted(member.evidence & other.evidence):
        kind, _, name = item.partition(":")
        if kind == "template":
            reasons.append(Reason(ReasonKind.TEMPLATE, f"same new log template {name}", weights.template))
        elif kind == "change":
            reasons.append(Reason(ReasonKind.CHANGE, f"same change event {name}", weights.change))
    return sum(reason.weight for reason in reasons), tuple(reasons)


def _name(member: Member) -> str:
    return member.service or member.name or member.key[:8]


def _when(delta: timedelta, other: Member) -> str:
    if delta >= timedelta(0):
        return f"started {humanize(delta)} after {_name(other)}"
    return f"started {humanize(-delta)} before {_name(other)}"


def fold(
    members: Iterable[Member],
    config: CorrelationConfig,
    learned: Learned = NOTHING_LEARNED,
    feedback: Feedback = NO_FEEDBACK,
) -> tuple[list[tuple[Member, Decision]], list[CorrelatedIncident]]:
    """Correlate members in start order, offline: each decision, and the incidents they made.

    An incident stays open while a member of it started within ``window`` and it is younger than
    ``max_span`` (the service closes it when its groups resolve; offline there is no resolution).
    A new incident takes its first member's key as its id.
    """
    decisions: list[tuple[Member, Decision]] = []
    incidents: dict[str, CorrelatedIncident] = {}
    open_ids: list[str] = []
    for member in sorted(members, key=lambda m: (m.started, m.key)):
        now = member.started
        open_ids = [
            key
            for key in open_ids
            if now - incidents[key].opened_at <= config.max_span
            and now - incidents[key].members[-1].started <= config.window
        ]
        decision = decide([incidents[key] for key in open_ids], member, now, config, learned, feedback)
        if isinstance(decision, Join):
            incidents[decision.incident] = incidents[decision.incident].with_member(member)
        else:
            incident_id = member.key
            while incident_id in incidents:  # the same group opening again later: a new incident
                incident_id += "'"
            incidents[incident_id] = CorrelatedIncident(incident_id, (member,), member.started)
            open_ids.append(incident_id)
        decisions.append((member, decision))
    return decisions, list(incidents.values())
