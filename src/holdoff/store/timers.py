"""The alerts whose durable timers have passed: each claimed (locked until the transaction ends) with the
event its timer fires, for the mediation shell's scheduler pass."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Connection

from holdoff.mediate.model import Action, AlertEvent, AlertRecord
from holdoff.store import alerts as alert_store
from holdoff.store import inhibitors as inhibitor_store
from holdoff.store import silences as silence_store


def fired_due(conn: Connection, now: datetime, limit: int) -> Iterator[tuple[int, AlertRecord, AlertEvent]]:
    """Each alert a passed timer claims (locked until the transaction ends), with the event it fires."""

    def fired(stored: alert_store.StoredAlert, action: Action) -> tuple[int, AlertRecord, AlertEvent]:
        return stored.id, stored.record, AlertEvent(stored.record.source, stored.record.fingerprint, action)

    ended = silence_store.claim_ended(conn, now, limit)
    for silence_id in ended:
        # Alerts whose escalation this silence muted: escalate now if they still fire.
        for stored in alert_store.lock_muted_by(conn, silence_id):
            yield fired(stored, Action.SILENCE_ENDED)
    silence_store.mark_ended_handled(conn, ended, now)
    for stored in alert_store.claim_chain_due(conn, now, limit):
        yield fired(stored, Action.CHAIN_STEP_DUE)
    # Alerts a maintenance window kept from escalating, now that it is over.
    for stored in alert_store.claim_maintenance_over(conn, now, limit):
        yield fired(stored, Action.MAINTENANCE_ENDED)
    # Alerts an inhibitor kept from escalating, now that it has resolved.
    for stored in inhibitor_store.lock_released(conn, limit):
        yield fired(stored, Action.INHIBITION_ENDED)
    for stored in alert_store.claim_due(conn, now, limit):
        yield fired(stored, Action.DEADLINE_REACHED)
