"""What operators do with correlation, and what they see of it: split a wrong join, merge two incidents,
and an incident's correlated incident with its probable root.

The API (:mod:`holdoff.api.routes.correlation`) and the dashboard (:mod:`holdoff.web.correlation`) call
these. Each change runs in one transaction under the correlation lock, so it cannot interleave with a
decision on the paging path; the request itself goes to the audit log like every operator action
(:class:`holdoff.api.auth.AuditTrail`). The stored feedback is read by every later decision: a split pair
never joins again, a merged pair joins whenever both are open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from holdoff.correlate.config import CorrelationConfig
from holdoff.correlate.model import Reason
from holdoff.correlate.root import rank_root
from holdoff.service.mediation import IncidentNotFound
from holdoff.store import correlation as correlation_store
from holdoff.store import correlation_views
from holdoff.store import incidents as incident_store
from holdoff.store.db import Database


class CorrelationRefused(ValueError):
    """A split or merge that cannot be done; the message says why."""


class NotCorrelated(CorrelationRefused):
    """The incident never paged, so correlation never made it a member of anything."""


class CannotSplit(CorrelationRefused):
    """The incident is alone in its correlated incident: there is nothing to split it from."""


class CannotMerge(CorrelationRefused):
    """Two incidents already in one correlated incident."""


class MergeIntoItself(CannotMerge):
    """An incident named as the one to merge into itself."""


@dataclass(frozen=True)
class MemberView:
    """One group incident of a correlated incident, and why it is there."""

    incident_id: int
    title: str
    key: str
    service: str
    source: str
    name: str
    started: datetime
    score: float
    reasons: tuple[Reason, ...]
    """Why it joined (the lead: why it opened a correlated incident of its own)."""
    joined_at: datetime
    joined_by: str | None
    """None: correlation joined it; else the operator who merged it."""
    open: bool
    """Its group incident is still open."""
    lead: bool


@dataclass(frozen=True)
class RootView:
    """A member's rank as probable root."""

    incident_id: int
    service: str
    name: str
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class IncidentCorrelation:
    """The correlated incident a group incident belongs to."""

    lead_id: int
    """The correlated incident's id: its lead group incident's id."""
    members: tuple[MemberView, ...]
    """The lead first, the others in join order."""
    root: tuple[RootView, ...]
    """The members ranked as probable root, most probable first."""

    @property
    def is_open(self) -> bool:
        return any(member.open for member in self.members)


def incident_correlation(
    conn: Connection, incident_id: int, config: CorrelationConfig
) -> IncidentCorrelation | None:
    """The correlated incident of group incident ``incident_id`` (None: it never paged, or correlation
    was off when it did), with the probable root ranked over its members and the stored learned pairs."""
    lead_id = correlation_store.lead_of(conn, incident_id)
    if lead_id is None:
        return None
    stored = correlation_store.members(conn, lead_id)
    if not stored:
        return None
    titles = {}
    for item in stored:
        found = incident_store.get(conn, item.incident_id)
        titles[item.incident_id] = found.record.title if found is not None else ""
    members = tuple(
        MemberView(
            incident_id=item.incident_id,
            title=titles[item.incident_id],
            key=item.member.key,
            service=item.member.service,
            source=item.member.source,
            name=item.member.name,
            started=item.member.started,
            score=item.score,
            reasons=tuple(item.reasons),
            joined_at=item.joined_at,
            joined_by=item.joined_by,
            open=item.open,
            lead=item.incident_id == lead_id,
        )
        for item in stored
    )
    by_member = {id(item.member): item.incident_id for item in stored}
    ranked = rank_root([item.member for item in stored], correlation_store.learned(conn), config)
    root = tuple(
        RootView(
            incident_id=by_member[id(rank.member)],
            service=rank.member.service,
            name=rank.member.name,
            score=rank.score,
            reasons=rank.reasons,
        )
        for rank in ranked
    )
    return IncidentCorrelation(lead_id, members, root)


def correlation_of(db: Database, incident_id: int, config: CorrelationConfig) -> IncidentCorrelation | None:
    """:func:`incident_correlation` in a read transaction of its own."""
    with db.read() as conn:
        return incident_correlation(conn, incident_id, config)


def learned_pairs(db: Database) -> list[correlation_views.LearnedRow]:
    """The stored learned dependencies, the strongest first."""
    with db.read() as conn:
        return correlation_views.learned_rows(conn)


def feedback_given(db: Database, *, limit: int) -> list[correlation_views.FeedbackRow]:
    """The operators' splits and merges, newest first."""
    with db.read() as conn:
        return correlation_views.feedback_rows(conn, limit=limit)


def _member_of(conn: Connection, incident_id: int) -> int:
    """The lead of ``incident_id``'s correlated incident; raises when there is none."""
    if incident_store.get(conn, incident_id) is None:
        raise IncidentNotFound(f"no incident with id {incident_id}")
    lead_id = correlation_store.lead_of(conn, incident_id)
    if lead_id is None:
        raise NotCorrelated(
            f"incident {incident_id} is not part of a correlated incident: it never paged "
            "(correlation only joins incidents when they page)"
        )
    return lead_id


def split(db: Database, incident_id: int, *, by: str, now: datetime) -> int:
    """Take group incident ``incident_id`` out of its correlated incident: it leads one of its own, and
    its pair with every other member is stored as a split (they never join again). Returns its new
    correlated incident's id (its own)."""
    with db.transaction() as conn:
        correlation_store.lock(conn)
        lead_id = _member_of(conn, incident_id)
        others = [
            item for item in correlation_store.members(conn, lead_id) if item.incident_id != incident_id
        ]
        if not others:
            raise CannotSplit(
                f"incident {incident_id} is alone in its correlated incident: there is nothing to split it from"
            )
        try:
            correlation_store.split(conn, incident_id, by, now)
        except correlation_store.CorrelationError as exc:
            raise CorrelationRefused(str(exc)) from None
    return incident_id


def merge(db: Database, into_incident_id: int, other_incident_id: int, *, by: str, now: datetime) -> int:
    """Move group incident ``other_incident_id`` and the members of its correlated incident under the
    correlated incident of ``into_incident_id``; the pair is stored as a merge (they join whenever both
    are open). Returns the correlated incident's id (the lead of ``into_incident_id``)."""
    if into_incident_id == other_incident_id:
        raise MergeIntoItself(f"incident {other_incident_id} cannot be merged into itself")
    with db.transaction() as conn:
        correlation_store.lock(conn)
        into_lead = _member_of(conn, into_incident_id)
        other_lead = _member_of(conn, other_incident_id)
        if into_lead == other_lead:
            raise CannotMerge(
                f"incidents {other_incident_id} and {into_incident_id} are already one correlated "
                f"incident (#{into_lead})"
            )
        try:
            correlation_store.merge(conn, into_incident_id, other_incident_id, by, now)
        except correlation_store.CorrelationError as exc:
            raise CorrelationRefused(str(exc)) from None
    return into_lead
