"""Correlation on the service's paging path: the shell around
:func:`holdoff.correlate.step.correlate_messages`, called by :mod:`holdoff.service.grouping` right after a
group incident's messages are flushed, in the same transaction.

A flush that pages takes the correlation lock (:func:`holdoff.store.correlation.lock`), reads where the
group stands, the open correlated incidents, the operators' feedback and what was learned, decides, and
writes the group's membership, all before the transaction commits: two processes flushing two groups of
one cascade at the same moment decide one after the other, so the cascade pages once. Flushes that do not
page take no lock; they only read what their messages say about the incident the group belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection

from holdoff.correlate.config import CorrelationConfig
from holdoff.correlate.model import CorrelatedIncident, Join, Learned, Member, NewIncident, Reason
from holdoff.correlate.root import rank_root
from holdoff.correlate.step import Change, correlate_messages, member_of
from holdoff.evidence.model import Change as ChangeEvent
from holdoff.mediate.grouping import PAGING_KINDS, IncidentNotify, IncidentRecord
from holdoff.mediate.inhibit import IDENTITY_SEPARATOR
from holdoff.notify.correlated import CorrelatedView
from holdoff.store import alerts as alert_store
from holdoff.store import change_events as change_store
from holdoff.store import correlation as correlation_store


@dataclass(frozen=True)
class Correlated:
    """What correlation made of one flush of a group incident."""

    messages: tuple[IncidentNotify, ...]
    """The messages to send (a page turned into a CORRELATED update on a join)."""
    view: CorrelatedView | None
    """What they say about the correlated incident the group belongs to (None: not part of one)."""


def correlate(
    conn: Connection,
    incident_id: int,
    record: IncidentRecord,
    messages: Sequence[IncidentNotify],
    now: datetime,
    config: CorrelationConfig,
) -> Correlated:
    """The messages of group incident ``incident_id``'s flush, through correlation."""
    messages = tuple(messages)
    if not messages or not config.enabled:
        return Correlated(messages, None)
    paging = next((message for message in messages if message.kind in PAGING_KINDS), None)
    if paging is None or not paging.alerts:
        return Correlated(messages, _view(conn, incident_id, config))
    source, _, fingerprint = paging.alerts[0].alert.partition(IDENTITY_SEPARATOR)
    found = alert_store.by_identities(conn, [(source, fingerprint)])
    if not found:
        return Correlated(messages, _view(conn, incident_id, config))
    member = with_changes(conn, member_of(record.key, found[0].record, config), config)
    correlation_store.lock(conn)
    standing = correlation_store.standing(conn, incident_id)
    open_incidents = correlation_store.open_incidents(conn)
    learned = correlation_store.learned(conn)
    step = correlate_messages(
        messages,
        member,
        standing,
        open_incidents,
        now,
        config,
        new_id=str(incident_id),
        learned=learned,
        feedback=correlation_store.feedback(conn),
    )
    decision = step.decision
    why: tuple[Reason, ...] = ()
    if step.change is Change.LEAD and isinstance(decision, NewIncident):
        correlation_store.add_member(
            conn, incident_id, incident_id, member, decision.best_score, decision.reasons, now
        )
    elif step.change in (Change.JOIN, Change.MOVE) and isinstance(decision, Join):
        store = correlation_store.add_member if step.change is Change.JOIN else correlation_store.move_member
        store(conn, incident_id, int(decision.incident), member, decision.score, decision.reasons, now)
        why = decision.reasons
    if step.incident is None:
        return Correlated(step.messages, None)
    return Correlated(step.messages, view_of(step.incident, learned, config, why))


def with_changes(conn: Connection, member: Member, config: CorrelationConfig) -> Member:
    """``member`` with the change events of the ``window`` before it started as evidence: those of its own
    service, and those whose scope labels (``cluster=eu-1``) it shares, such as a service mesh's
    configuration pushed to a whole cluster. Two members that saw the same change share a cause."""
    changes = change_store.between(conn, since=member.started - config.window, until=member.started)
    seen = {f"change:{change.id}" for change in changes if _touches(change, member, config)}
    return replace(member, evidence=member.evidence | seen) if seen else member


def _touches(change: ChangeEvent, member: Member, config: CorrelationConfig) -> bool:
    if change.service and change.service == member.service:
        return True
    scope = [(label, value) for label in config.scope_labels if (value := change.labels.get(label))]
    return bool(scope) and all(member.labels.get(label) == value for label, value in scope)


def view_of(
    incident: CorrelatedIncident, learned: Learned, config: CorrelationConfig, why: tuple[Reason, ...] = ()
) -> CorrelatedView:
    """What messages show of ``incident``: its members and its probable root."""
    ranked = rank_root(incident.members, learned, config) if len(incident.members) > 1 else []
    return CorrelatedView(int(incident.id), incident.members, ranked[0] if ranked else None, why)


def _view(conn: Connection, incident_id: int, config: CorrelationConfig) -> CorrelatedView | None:
    """The correlated incident group incident ``incident_id`` belongs to, when it has other members."""
    lead_id = correlation_store.lead_of(conn, incident_id)
    if lead_id is None:
        return None
    members = correlation_store.members(conn, lead_id)
    if len(members) < 2:
        return None
    incident = CorrelatedIncident(str(lead_id), tuple(m.member for m in members), members[0].joined_at)
    return view_of(incident, correlation_store.learned(conn), config)
