"""Queries for correlation: which correlated incident each group incident belongs to, the operators'
splits and merges, and the dependencies learned from history.

A correlated incident is named by its **lead**: the group incident that opened it (its row has
``lead_id == incident_id``). It is open while any of its members' group incidents is open. Every
decision that reads open incidents and writes a membership runs under :func:`lock`, in the transaction
of the flush that caused it, so two processes cannot both open an incident for one cascade.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, select, text, update

from holdoff.correlate.model import (
    CorrelatedIncident,
    Feedback,
    Learned,
    LearnedDependency,
    Member,
    Merge,
    Reason,
    ReasonKind,
    RootHint,
    Split,
)
from holdoff.correlate.step import NEVER_SEEN, Standing
from holdoff.mediate.grouping import IncidentState
from holdoff.store.correlation_tables import correlation_feedback, correlation_learned, incident_members
from holdoff.store.tables import incidents

LOCK_KEY = 0x486F6C64_0F15
"""The advisory lock every correlation decision takes on PostgreSQL ("Hold" + issue 15)."""
SPLIT = "split"
MERGE = "merge"


class CorrelationError(Exception):
    """An operator's split or merge that cannot be done (the message says why)."""


@dataclass(frozen=True)
class StoredMember:
    """One member of a correlated incident as stored."""

    incident_id: int
    """Its group incident."""
    member: Member
    score: float
    reasons: tuple[Reason, ...]
    joined_at: datetime
    joined_by: str | None
    """None: correlation joined it; else the operator who split or merged it here."""
    open: bool
    """Whether its group incident is open."""
    lead_id: int = 0
    """The correlated incident it belongs to (its lead's group-incident id)."""

    @property
    def key(self) -> str:
        return self.member.key


def lock(conn: Connection) -> None:
    """Serialise correlation decisions until this transaction ends (PostgreSQL: an advisory lock;
    SQLite's single writer already serialises). Take it only when a flush pages, and take no other
    lock after it."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def member_json(member: Member) -> dict[str, Any]:
    return {
        "key": member.key,
        "service": member.service,
        "source": member.source,
        "started": member.started.isoformat(),
        "labels": dict(member.labels),
        "root_hints": sorted(hint.value for hint in member.root_hints),
        "name": member.name,
        "evidence": sorted(member.evidence),
        "urgency": member.urgency,
    }


def member_from_json(data: dict[str, Any]) -> Member:
    return Member(
        key=data["key"],
        service=data.get("service", ""),
        source=data.get("source", ""),
        started=datetime.fromisoformat(data["started"]),
        labels=dict(data.get("labels", {})),
        root_hints=frozenset(RootHint(hint) for hint in data.get("root_hints", ())),
        name=data.get("name", ""),
        evidence=frozenset(data.get("evidence", ())),
        urgency=data.get("urgency"),
    )


def reasons_json(reasons: Iterable[Reason]) -> list[dict[str, Any]]:
    return [{"kind": reason.kind.value, "text": reason.text, "weight": reason.weight} for reason in reasons]


def reasons_from_json(items: Iterable[dict[str, Any]]) -> tuple[Reason, ...]:
    return tuple(
        Reason(ReasonKind(item["kind"]), item["text"], float(item.get("weight", 0.0))) for item in items
    )


def _members_query() -> Any:
    return (
        select(incident_members, incidents.c.state)
        .join(incidents, incidents.c.id == incident_members.c.incident_id)
        .order_by(incident_members.c.lead_id, incident_members.c.joined_at, incident_members.c.incident_id)
    )


def _stored(row: Row[Any]) -> StoredMember:
    m = row._mapping
    return StoredMember(
        incident_id=m["incident_id"],
        member=member_from_json(m["member"]),
        score=m["score"],
        reasons=reasons_from_json(m["reasons"]),
        joined_at=m["joined_at"],
        joined_by=m["joined_by"],
        open=m["state"] == IncidentState.OPEN.value,
        lead_id=m["lead_id"],
    )


def _lead_first(rows: Iterable[StoredMember]) -> list[StoredMember]:
    """Members of one incident in join order, its lead first."""
    ordered = list(rows)
    return sorted(ordered, key=lambda m: m.incident_id != m.lead_id)


def _incident(lead_id: int, ms: Sequence[StoredMember]) -> CorrelatedIncident:
    lead = next((m for m in ms if m.incident_id == lead_id), ms[0])
    return CorrelatedIncident(str(lead_id), tuple(m.member for m in ms), lead.joined_at)


def members(conn: Connection, lead_id: int) -> list[StoredMember]:
    """The members of the correlated incident led by ``lead_id``, lead first, then in join order."""
    rows = conn.execute(_members_query().where(incident_members.c.lead_id == lead_id))
    return _lead_first(_stored(row) for row in rows)


def lead_of(conn: Connection, incident_id: int) -> int | None:
    """The correlated incident (its lead's id) group incident ``incident_id`` belongs to, if any."""
    query = select(incident_members.c.lead_id).where(incident_members.c.incident_id == incident_id)
    value = conn.execute(query).scalar_one_or_none()
    return int(value) if value is not None else None


def open_incidents(conn: Connection) -> list[CorrelatedIncident]:
    """Every correlated incident with a member whose group incident is open, with all its members,
    oldest first."""
    open_leads = (
        select(incident_members.c.lead_id)
        .join(incidents, incidents.c.id == incident_members.c.incident_id)
        .where(incidents.c.state == IncidentState.OPEN.value)
    )
    rows = conn.execute(_members_query().where(incident_members.c.lead_id.in_(open_leads.scalar_subquery())))
    by_lead: dict[int, list[StoredMember]] = {}
    for row in rows:
        stored = _stored(row)
        by_lead.setdefault(stored.lead_id, []).append(stored)
    found = [_incident(lead_id, _lead_first(ms)) for lead_id, ms in by_lead.items()]
    return sorted(found, key=lambda incident: (incident.opened_at, int(incident.id)))


def standing(conn: Connection, incident_id: int) -> Standing:
    """Where group incident ``incident_id`` stands: its correlated incident (None: never correlated) and
    whether another member of it is open."""
    lead_id = lead_of(conn, incident_id)
    if lead_id is None:
        return NEVER_SEEN
    ms = members(conn, lead_id)
    others_open = any(m.open for m in ms if m.incident_id != incident_id)
    return Standing(_incident(lead_id, ms), others_open)


def add_member(
    conn: Connection,
    incident_id: int,
    lead_id: int,
    member: Member,
    score: float,
    reasons: Sequence[Reason],
    now: datetime,
    by: str | None = None,
) -> None:
    """Record that group incident ``incident_id`` belongs to the correlated incident led by ``lead_id``
    (``lead_id == incident_id``: it leads a new one)."""
    conn.execute(
        incident_members.insert().values(
            incident_id=incident_id,
            lead_id=lead_id,
            member=member_json(member),
            score=score,
            reasons=reasons_json(reasons),
            joined_at=now,
            joined_by=by,
        )
    )


def move_member(
    conn: Connection,
    incident_id: int,
    lead_id: int,
    member: Member,
    score: float,
    reasons: Sequence[Reason],
    now: datetime,
) -> None:
    """Group incident ``incident_id``, which led a correlated incident alone, joins the one led by
    ``lead_id`` (:attr:`holdoff.correlate.step.Change.MOVE`)."""
    conn.execute(
        update(incident_members)
        .where(incident_members.c.incident_id == incident_id)
        .values(
            lead_id=lead_id,
            member=member_json(member),
            score=score,
            reasons=reasons_json(reasons),
            joined_at=now,
            joined_by=None,
        )
    )


def feedback(conn: Connection) -> Feedback:
    """Every split and merge operators made, by group key."""
    rows = conn.execute(
        select(correlation_feedback.c.kind, correlation_feedback.c.a_key, correlation_feedback.c.b_key)
    )
    splits: set[Split] = set()
    merges: set[Merge] = set()
    for kind, a_key, b_key in rows:
        if kind == SPLIT:
            splits.add(Split(a_key, b_key))
        elif kind == MERGE:
            merges.add(Merge(a_key, b_key))
    return Feedback(frozenset(splits), frozenset(merges))


def add_feedback(
    conn: Connection,
    kind: str,
    a_key: str,
    b_key: str,
    a_incident: int,
    b_incident: int,
    by: str,
    now: datetime,
) -> None:
    if kind not in (SPLIT, MERGE):
        raise ValueError(f"feedback kind must be {SPLIT!r} or {MERGE!r}, not {kind!r}")
    conn.execute(
        correlation_feedback.insert().values(
            kind=kind,
            a_key=a_key,
            b_key=b_key,
            a_incident=a_incident,
            b_incident=b_incident,
            by=by,
            at=now,
        )
    )


def split(conn: Connection, incident_id: int, by: str, now: datetime) -> None:
    """Detach group incident ``incident_id`` from its correlated incident: it leads one of its own, and
    it never joins any of the others again (a split stored per pair of group keys). Splitting the lead
    hands the rest to the member that joined next."""
    lock(conn)
    lead_id = lead_of(conn, incident_id)
    if lead_id is None:
        raise CorrelationError(
            f"incident {incident_id} is not part of a correlated incident (it never paged)"
        )
    ms = members(conn, lead_id)
    this = next(m for m in ms if m.incident_id == incident_id)
    others = [m for m in ms if m.incident_id != incident_id]
    if not others:
        raise CorrelationError(
            f"incident {incident_id} is alone in its correlated incident: nothing to split"
        )
    for other in others:
        add_feedback(conn, SPLIT, this.key, other.key, incident_id, other.incident_id, by, now)
    if lead_id == incident_id:
        heir = others[0].incident_id
        conn.execute(
            update(incident_members).where(incident_members.c.lead_id == lead_id).values(lead_id=heir)
        )
        lead_id = heir
    reason = Reason(ReasonKind.SPLIT, f"split from incident #{lead_id} by {by}")
    conn.execute(
        update(incident_members)
        .where(incident_members.c.incident_id == incident_id)
        .values(
            lead_id=incident_id,
            score=0.0,
            reasons=reasons_json([reason]),
            joined_at=now,
            joined_by=by,
        )
    )


def merge(conn: Connection, into_incident_id: int, other_incident_id: int, by: str, now: datetime) -> None:
    """Move group incident ``other_incident_id`` and every member of its correlated incident under the
    correlated incident of ``into_incident_id`` (both must have paged), and remember the pair as merged."""
    lock(conn)
    into_lead = lead_of(conn, into_incident_id)
    other_lead = lead_of(conn, other_incident_id)
    for incident_id, lead in ((into_incident_id, into_lead), (other_incident_id, other_lead)):
        if lead is None:
            raise CorrelationError(
                f"incident {incident_id} is not part of a correlated incident (only incidents that paged merge)"
            )
    assert into_lead is not None and other_lead is not None
    if into_lead == other_lead:
        raise CorrelationError(
            f"incidents {into_incident_id} and {other_incident_id} are already one correlated incident"
        )
    into_key = next(m.key for m in members(conn, into_lead) if m.incident_id == into_incident_id)
    moved = members(conn, other_lead)
    other_key = next(m.key for m in moved if m.incident_id == other_incident_id)
    add_feedback(conn, MERGE, into_key, other_key, into_incident_id, other_incident_id, by, now)
    reason = Reason(ReasonKind.MERGE, f"merged into incident #{into_lead} by {by}")
    for m in moved:
        conn.execute(
            update(incident_members)
            .where(incident_members.c.incident_id == m.incident_id)
            .values(
                lead_id=into_lead,
                reasons=reasons_json((*m.reasons, reason)),
                joined_at=now,
                joined_by=by,
            )
        )


def learned(conn: Connection) -> Learned:
    """The dependencies learned from history, as last saved."""
    rows = conn.execute(select(correlation_learned))
    pairs: dict[tuple[str, str], LearnedDependency] = {}
    for row in rows:
        m = row._mapping
        dependency = LearnedDependency(
            m["a"], m["b"], m["together"], m["expected"], m["lift"], m["a_first"], m["b_first"]
        )
        pairs[(dependency.a, dependency.b)] = dependency
    return Learned(pairs)


def save_learned(conn: Connection, learned: Learned, now: datetime) -> None:
    """Replace every learned dependency with ``learned``'s."""
    conn.execute(delete(correlation_learned))
    rows = [
        {
            "a": min(d.a, d.b),
            "b": max(d.a, d.b),
            "together": d.together,
            "expected": d.expected,
            "lift": d.lift,
            "a_first": d.a_first if d.a < d.b else d.b_first,
            "b_first": d.b_first if d.a < d.b else d.a_first,
            "learned_at": now,
        }
        for d in learned.pairs.values()
    ]
    if rows:
        conn.execute(correlation_learned.insert(), rows)
