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
from dataclasses import dataclass
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
from holdoff.correlate.root import is_infra_service
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
    compiled = _compiled(config)
    best: tuple[float, float, datetime, str] | None = None
    best_other: Member | None = None
    below: tuple[float, float, Member] | None = None
    refused: list[Reason] = []
    for incident in open_incidents:
        if started - incident.opened_at > config.max_span:
            continue
        score, gap, other, said = _score(incident, member, started, compiled, learned, feedback)
        if said is not None and said.kind is ReasonKind.SPLIT:
            refused.append(said)
            continue
        if other is None:
            continue
        if score < config.min_score:
            if below is None or (score, -gap) > (below[0], -below[1]):
                below = (score, gap, other)
            continue
        rank = (-score, gap, incident.opened_at, incident.id)
        if best is None or rank < best:
            best, best_other = rank, other
    if best is None or best_other is None:
        if below is not None:
            refused.extend(_reasons(below[2], member, started, config, learned))
        return NewIncident(tuple(refused), below[0] if below is not None else 0.0)
    if -best[0] >= MERGED_SCORE:
        text = f"an operator merged {_name(member)} with {_name(best_other)}"
        return Join(best[3], MERGED_SCORE, (Reason(ReasonKind.MERGE, text, MERGED_SCORE),))
    return Join(best[3], -best[0], _reasons(best_other, member, started, config, learned))


def _reasons(
    other: Member, member: Member, started: datetime, config: CorrelationConfig, learned: Learned
) -> tuple[Reason, ...]:
    """Why ``member`` goes with ``other`` (written once, for the incident that won or came closest)."""
    when = _when(started - other.started, other)
    score, reasons = evidence(other, member, config, learned)
    if score <= 0:
        return (
            Reason(ReasonKind.NO_EVIDENCE, f"{when}, but nothing else links them (time alone never joins)"),
        )
    return (Reason(ReasonKind.TIME, when), *reasons)


@dataclass(frozen=True)
class _Compiled:
    """The configuration as ``decide`` reads it for every pair: plain tuples, sets and floats."""

    window: float
    labels: tuple[tuple[str, float], ...]
    labels_cap: float
    depends: frozenset[tuple[str, str]]
    same_service: float
    topology: float
    learned: float
    learned_on: bool
    min_count: int
    min_lift: float
    template: float
    change: float
    scope: float
    scope_labels: tuple[str, ...]


_COMPILED: dict[int, tuple[CorrelationConfig, _Compiled]] = {}


def _compiled(config: CorrelationConfig) -> _Compiled:
    kept = _COMPILED.get(id(config))
    if kept is not None and kept[0] is config:
        return kept[1]
    weights, learned = config.weights, config.learned
    compiled = _Compiled(
        config.window.total_seconds(),
        tuple(config.topology_labels.items()),
        weights.labels_cap,
        frozenset((service, other) for service, others in config.topology.items() for other in others),
        weights.same_service,
        weights.topology,
        weights.learned,
        learned.enabled,
        learned.min_count,
        learned.min_lift,
        weights.template,
        weights.change,
        weights.scope,
        config.scope_labels,
    )
    if len(_COMPILED) > 64:
        _COMPILED.clear()
    _COMPILED[id(config)] = (config, compiled)  # the config is kept, so its id is not reused
    return compiled


def _score(
    incident: CorrelatedIncident,
    member: Member,
    started: datetime,
    compiled: _Compiled,
    learned: Learned,
    feedback: Feedback,
) -> tuple[float, float, Member | None, Reason | None]:
    """The incident's score for ``member``: its best member's, the time gap in seconds, that member
    (None: no member close enough in time), and an operator's split when there is one."""
    best: Member | None = None
    best_score, best_gap = -1.0, 0.0
    for other in incident.members:
        if feedback.splits and feedback.split(other.key, member.key):
            text = f"an operator split {_name(member)} from {_name(other)}"
            return 0.0, 0.0, None, Reason(ReasonKind.SPLIT, text)
        if feedback.merges and feedback.merged(other.key, member.key):
            best, best_score, best_gap = other, MERGED_SCORE, 0.0
            continue
        gap = abs((started - other.started).total_seconds())
        if gap > compiled.window or other.key == member.key:
            continue
        score = _pair_score(other, member, compiled, learned)
        if score > best_score or (score == best_score and gap < best_gap):
            best, best_score, best_gap = other, score, gap
    return max(best_score, 0.0), best_gap, best, None


def _pair_score(other: Member, member: Member, compiled: _Compiled, learned: Learned) -> float:
    """The score :func:`evidence` gives, without writing its reasons (the hot path)."""
    score = 0.0
    a, b = member.service, other.service
    if a and b:
        if a == b:
            score += compiled.same_service
        elif (a, b) in compiled.depends or (b, a) in compiled.depends:
            score += compiled.topology
        elif compiled.learned_on and learned.pairs:
            link = learned.link(a, b)
            if link is not None and link.together >= compiled.min_count and link.lift >= compiled.min_lift:
                score += compiled.learned
    mine, theirs = member.labels, other.labels
    if mine and theirs:
        shared = 0.0
        for label, weight in compiled.labels:
            value = mine.get(label)
            if value and theirs.get(label) == value:
                shared += weight
        score += min(shared, compiled.labels_cap)
    if member.evidence and other.evidence:
        for item in member.evidence & other.evidence:
            if item.startswith("template:"):
                score += compiled.template
            elif item.startswith("change:"):
                score += compiled.change
    if compiled.scope and (
        _in_scope(other, member, compiled.scope_labels) or _in_scope(member, other, compiled.scope_labels)
    ):
        score += compiled.scope
    return score


def _in_scope(infra: Member, inside: Member, labels: tuple[str, ...]) -> bool:
    """Whether ``infra`` is an infrastructure alert and ``inside`` runs in its scope: every scope label
    ``infra`` has, ``inside`` has with the same value (and it has at least one)."""
    scope = [(label, value) for label in labels if (value := infra.labels.get(label))]
    if not scope or not is_infra_service(infra):
        return False
    return all(inside.labels.get(label) == value for label, value in scope)


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
    for infra, inside in ((other, member), (member, other)):
        if weights.scope and _in_scope(infra, inside, config.scope_labels):
            where = ", ".join(
                f"{label}={infra.labels[label]}" for label in config.scope_labels if infra.labels.get(label)
            )
            text = f"{_name(inside)} runs in {where}, where {_name(infra)} failed (infrastructure)"
            reasons.append(Reason(ReasonKind.SCOPE, text, weights.scope))
            break
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
