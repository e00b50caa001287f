"""The shell around :mod:`holdoff.mediate.grouping`: incidents and digests read, folded and written in the
transaction of the alert changes that caused them, so a message collected for an incident or a digest
is never lost or sent twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from holdoff.correlate.config import CorrelationConfig
from holdoff.links.signer import LinkSigner
from holdoff.mediate.dispatch import IncidentJoin, Routed, taking
from holdoff.mediate.grouping import IncidentRecord, flush, join, open_incident
from holdoff.mediate.inhibit import identity
from holdoff.mediate.model import AlertRecord, NotificationKind, Outcome
from holdoff.mediate.silence import match_labels
from holdoff.notify.correlated import decorate
from holdoff.notify.message import render, render_digest, render_incident
from holdoff.service.channel_set import ChannelSet
from holdoff.service.correlation import correlate
from holdoff.store import digests as digest_store
from holdoff.store import incidents as incident_store
from holdoff.store import outbox


class GroupRace(Exception):
    """Another process opened an incident for the same group first; apply the batch again."""


@dataclass(frozen=True)
class Grouped:
    """One changed alert on a route that groups, to fold into its incident."""

    alert_id: int
    outcome: Outcome
    incident: IncidentJoin
    """The incident group it joins, as :func:`holdoff.mediate.dispatch.dispatch` decided."""


@dataclass
class _Slot:
    incident_id: int | None
    record: IncidentRecord
    dirty: bool = False


def fold(
    conn: Connection,
    items: Sequence[Grouped],
    now: datetime,
    *,
    public_url: str,
    channels: ChannelSet,
    links: LinkSigner,
    correlation: CorrelationConfig,
) -> list[dict[str, Any]]:
    """Fold the alerts' outcomes into their open incidents (opening them as needed); returns the outbox
    rows of messages already due (a zero ``group_wait``, or a later message whose interval has passed)."""
    keyed = [(item.incident.key, match_labels(item.outcome.alert), item) for item in items]
    stored = incident_store.lock_open(conn, {item.incident.key for item in items})
    slots: list[_Slot] = [_Slot(s.id, s.record) for s in stored.values()]
    current = {slot.record.key: slot for slot in slots}
    for key, labels, item in keyed:
        slot = current.get(key)
        alert = item.outcome.alert
        if slot is None or not slot.record.is_open:
            if not item.incident.opens:
                continue
            slot = _Slot(None, open_incident(item.incident.grouping, item.incident.route, alert, labels, now))
            slots.append(slot)
            current[key] = slot
        slot.record = join(slot.record, item.incident.grouping, identity(alert), item.outcome, now)
        slot.dirty = True
    dirty = [slot for slot in slots if slot.dirty]
    for slot in dirty:
        if slot.incident_id is None:
            try:
                slot.incident_id = incident_store.insert(conn, slot.record, now)
            except IntegrityError as exc:
                raise GroupRace("another process opened an incident for this group first") from exc
    # Flushed after every insert: a flush that pages takes the correlation lock, and nothing that could
    # wait on another process (an insert racing for the same group) may come after it.
    rows: list[dict[str, Any]] = []
    for slot in dirty:
        assert slot.incident_id is not None
        rows += _flush(conn, slot.incident_id, slot.record, now, public_url, channels, links, correlation)
    return rows


def _flush(
    conn: Connection,
    incident_id: int,
    record: IncidentRecord,
    now: datetime,
    public_url: str,
    channels: ChannelSet,
    links: LinkSigner,
    correlation: CorrelationConfig,
) -> list[dict[str, Any]]:
    """Save the incident, sending what is due (through correlation: :mod:`holdoff.service.correlation`)."""
    after, flushed = flush(record, now)
    correlated = correlate(conn, incident_id, after, flushed, now, correlation)
    rows = []
    for notify in correlated.messages:
        message = render_incident(incident_id, after, notify, now, public_url)
        if correlated.view is not None:
            message = decorate(message, correlated.view, public_url)
        message.actions = links.for_incident(notify.kind, incident_id, now)
        for channel in taking(notify.channels, notify.kind, channels):
            rows.append(
                outbox.row(
                    incident_id=incident_id,
                    occurrence=0,
                    channel=channel,
                    message=message,
                    now=now,
                    sequence=notify.sequence,
                )
            )
    incident_store.save(conn, incident_id, after, now)
    return rows


def flush_due(
    conn: Connection,
    now: datetime,
    limit: int,
    *,
    public_url: str,
    channels: ChannelSet,
    links: LinkSigner,
    correlation: CorrelationConfig,
) -> list[dict[str, Any]]:
    """Send the collected messages of every incident whose timer has passed."""
    rows: list[dict[str, Any]] = []
    for stored in incident_store.claim_due(conn, now, limit):
        rows += _flush(conn, stored.id, stored.record, now, public_url, channels, links, correlation)
    return rows


def digest_rows(
    alert_id: int, alert: AlertRecord, routed: Routed, now: datetime, public_url: str
) -> list[dict[str, Any]]:
    """The digest lines for one alert message collected instead of sent (on ``routed.channels``, those
    that take digests)."""
    kind = routed.notify.kind
    line = render(alert_id, alert, kind, now, public_url).title
    return [digest_store.item_row(channel, kind, alert_id, line, now) for channel in routed.channels]


def send_digests(
    conn: Connection, now: datetime, limit: int, *, public_url: str, channels: ChannelSet
) -> list[dict[str, Any]]:
    """One digest message per channel whose digest is due."""
    rows: list[dict[str, Any]] = []
    for channel in digest_store.claim_due(conn, now, limit):
        items = digest_store.take(conn, channel)
        if not items or not channels.takes(channel, NotificationKind.DIGEST):
            continue
        message = render_digest(channel, [(item.at, item.line) for item in items], now, public_url)
        rows.append(
            outbox.row(
                occurrence=0,
                channel=channel,
                message=message,
                now=now,
                dedup_key=f"digest:{channel}:{items[0].id}",
            )
        )
    return rows
