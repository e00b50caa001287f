"""Read side: what the API and (later) the dashboard show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from holdoff.mediate.model import AlertState
from holdoff.store import alerts as alert_store
from holdoff.store import outbox
from holdoff.store.db import Database


@dataclass(frozen=True)
class AlertHistory:
    alert: alert_store.StoredAlert
    timeline: list[alert_store.Event]
    deliveries: list[outbox.Delivery]


def list_alerts(
    db: Database, *, states: Sequence[AlertState], limit: int, cursor: str | None
) -> tuple[list[alert_store.StoredAlert], str | None]:
    with db.read() as conn:
        return alert_store.page(conn, states=states, limit=limit, cursor=cursor)


def alert_history(db: Database, alert_id: int) -> AlertHistory | None:
    with db.read() as conn:
        stored = alert_store.get(conn, alert_id)
        if stored is None:
            return None
        return AlertHistory(stored, alert_store.timeline(conn, alert_id), outbox.for_alert(conn, alert_id))
