"""Read side: what the API and (later) the dashboard show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from holdoff.mediate.grouping import IncidentState
from holdoff.mediate.inhibit import IDENTITY_SEPARATOR
from holdoff.mediate.model import AlertState
from holdoff.store import alerts as alert_store
from holdoff.store import incidents as incident_store
from holdoff.store import outbox
from holdoff.store.alert_search import AlertFilter
from holdoff.store.db import Database


@dataclass(frozen=True)
class AlertHistory:
    alert: alert_store.StoredAlert
    timeline: list[alert_store.Event]
    deliveries: list[outbox.Delivery]


def list_alerts(
    db: Database,
    *,
    states: Sequence[AlertState],
    limit: int,
    cursor: str | None,
    where: AlertFilter | None = None,
) -> tuple[list[alert_store.StoredAlert], str | None]:
    with db.read() as conn:
        return alert_store.page(conn, states=states, limit=limit, cursor=cursor, where=where)


def alert_history(db: Database, alert_id: int) -> AlertHistory | None:
    with db.read() as conn:
        stored = alert_store.get(conn, alert_id)
        if stored is None:
            return None
        return AlertHistory(stored, alert_store.timeline(conn, alert_id), outbox.for_alert(conn, alert_id))


@dataclass(frozen=True)
class IncidentHistory:
    incident: incident_store.StoredIncident
    firing: list[alert_store.StoredAlert]
    """Its alerts that are open now."""
    deliveries: list[outbox.Delivery]


def list_incidents(
    db: Database, *, state: IncidentState | None, limit: int
) -> list[incident_store.StoredIncident]:
    with db.read() as conn:
        return incident_store.page(conn, state=state, limit=limit)


def incident_history(db: Database, incident_id: int) -> IncidentHistory | None:
    with db.read() as conn:
        stored = incident_store.get(conn, incident_id)
        if stored is None:
            return None
        identities = [key.split(IDENTITY_SEPARATOR, 1) for key in stored.record.firing]
        firing = alert_store.by_identities(conn, [(source, fp) for source, fp in identities])
        return IncidentHistory(stored, firing, outbox.for_incident(conn, incident_id))
