"""The values correlation works on: members, correlated incidents, learned dependencies, decisions.

A **member** is one incident-group (the output of :mod:`holdoff.mediate.grouping`) as correlation sees it:
its group key, its service, its topology labels, its source and when it started. A **correlated
incident** is the members correlation put together; one page goes out per correlated incident.

Everything here is a frozen value; the functions that decide (:mod:`holdoff.correlate.join`), learn
(:mod:`holdoff.correlate.learn`) and rank (:mod:`holdoff.correlate.root`) are pure over them, with the
time passed in.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


class RootHint(enum.StrEnum):
    """What a member's alert says about its place in a cascade."""

    INFRA = "infra"
    """Infrastructure: a node, a database, the network (more likely a root)."""
    SYMPTOM = "symptom"
    """A symptom seen by users: errors, latency (more likely an effect)."""


@dataclass(frozen=True)
class Member:
    """One incident-group as correlation sees it."""

    key: str
    """The group key (:func:`holdoff.mediate.grouping.group_key`)."""
    service: str
    """The service it is about (the same name whatever the source calls it); ``""`` when unknown."""
    source: str
    """Where its first alert came from (``alertmanager``, ``coralogix`` ...)."""
    started: datetime
    """When its first alert started (timezone-aware)."""
    labels: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Its topology labels (cluster, namespace, node, team ...); other labels may be present and are ignored."""
    root_hints: frozenset[RootHint] = frozenset()
    name: str = ""
    """Its first alert's name (read by root ranking for words like database, node, network)."""
    evidence: frozenset[str] = frozenset()
    """Root-cause evidence it carries, as ids: ``template:t-1a2b`` (a new log template),
    ``change:deploy#42`` (a change event). Two members with the same id share a cause."""
    urgency: int | None = None
    """How urgent its alert is, 0 most (:class:`~holdoff.mediate.model.Severity` order); None: unknown.
    A join never hides a page more urgent than every page its incident already sent."""


@dataclass(frozen=True)
class CorrelatedIncident:
    """An open correlated incident: the members joined so far, first one first."""

    id: str
    members: tuple[Member, ...]
    opened_at: datetime

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(member.service for member in self.members if member.service))

    def with_member(self, member: Member) -> CorrelatedIncident:
        """This incident with ``member`` added (what the caller stores after a :class:`Join`)."""
        return CorrelatedIncident(self.id, (*self.members, member), self.opened_at)


class ReasonKind(enum.StrEnum):
    """Why two members belong together (or do not)."""

    TIME = "time"
    TOPOLOGY = "topology"
    """A configured dependency links their services."""
    LEARNED = "learned"
    """A dependency learned from history links their services."""
    SAME_SERVICE = "same_service"
    """They are about the same service (e.g. named by two sources)."""
    LABELS = "labels"
    """They share topology labels."""
    TEMPLATE = "template"
    """The same new log template."""
    CHANGE = "change"
    """The same change event."""
    MERGE = "merge"
    """An operator merged them."""
    SPLIT = "split"
    """An operator split them: they never rejoin."""
    SCOPE = "scope"
    """An infrastructure alert and an alert that runs inside its scope (its node, its cluster ...)."""
    URGENT = "urgent"
    """It joined, but is more urgent than anything the incident paged for: it pages all the same."""
    NO_EVIDENCE = "no_evidence"
    """Close in time but nothing else links them (time alone never joins)."""
    DISABLED = "disabled"
    # why a member ranks as probable root
    EARLIEST = "earliest"
    INFRA = "infra"
    DEPENDED_ON = "depended_on"
    """Other members' services depend on its service."""
    PRECEDES = "precedes"
    """History says its service's alerts usually start before the others'."""
    SYMPTOM = "symptom"


@dataclass(frozen=True)
class Reason:
    kind: ReasonKind
    text: str
    """What a person reads: ``checkout depends on payments-db (topology)``."""
    weight: float = 0.0
    """What it adds to the score."""


@dataclass(frozen=True)
class Join:
    """Join the member to an open incident: update its message, no new page."""

    incident: str
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class NewIncident:
    """Open a new correlated incident for the member (it pages as today)."""

    reasons: tuple[Reason, ...] = ()
    best_score: float = 0.0
    """The highest score an open incident reached (below ``min_score``), for the decision record."""


Decision = Join | NewIncident


@dataclass(frozen=True)
class Split:
    """An operator said these two groups are not one incident: they never join again."""

    a: str
    b: str

    def covers(self, x: str, y: str) -> bool:
        return (x == self.a and y == self.b) or (x == self.b and y == self.a)


@dataclass(frozen=True)
class Merge:
    """An operator said these two groups are one incident: they join whenever both are open."""

    a: str
    b: str

    def covers(self, x: str, y: str) -> bool:
        return (x == self.a and y == self.b) or (x == self.b and y == self.a)


@dataclass(frozen=True)
class Feedback:
    """The operator's splits and merges, by group key. A split wins over a merge of the same pair."""

    splits: frozenset[Split] = frozenset()
    merges: frozenset[Merge] = frozenset()

    def split(self, x: str, y: str) -> bool:
        return Split(x, y) in self.splits or Split(y, x) in self.splits

    def merged(self, x: str, y: str) -> bool:
        return not self.split(x, y) and (Merge(x, y) in self.merges or Merge(y, x) in self.merges)


NO_FEEDBACK = Feedback()


@dataclass(frozen=True)
class LearnedDependency:
    """Two services whose alerts start together far more often than chance, with the evidence."""

    a: str
    b: str
    """The pair, ``a < b``."""
    together: int
    """How often the rarer one started within the window of the other."""
    expected: float
    """How often that would happen if the two were independent (from their rates)."""
    lift: float
    """``together / expected``."""
    a_first: int = 0
    """Of those co-starts, how often ``a`` started first (``together - a_first - ties``: ``b`` first)."""
    b_first: int = 0

    def text(self) -> str:
        return (
            f"learned: {self.a} and {self.b} start together {self.lift:.0f}x more often than chance "
            f"({self.together} times)"
        )


@dataclass(frozen=True)
class Learned:
    """What history taught: dependencies by unordered pair."""

    pairs: Mapping[tuple[str, str], LearnedDependency] = field(default_factory=dict)

    def link(self, x: str, y: str) -> LearnedDependency | None:
        return self.pairs.get((x, y) if x < y else (y, x))


NOTHING_LEARNED = Learned()


@dataclass(frozen=True)
class Ranked:
    """A member of a correlated incident with its rank as probable root (highest score first)."""

    member: Member
    score: float
    reasons: tuple[Reason, ...]
