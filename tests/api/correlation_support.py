"""Group incidents from real webhooks, and the memberships the paging path writes when they page,
written through the store: correlated incidents for the API, page and browser tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from fastapi.testclient import TestClient

from holdoff.correlate.model import Member, Reason, ReasonKind
from holdoff.store import correlation as correlation_store
from holdoff.store import incidents
from holdoff.store.db import Database

TOPOLOGY = {"checkout": ["payments-db"], "cart": ["payments-db"]}
DEPENDS = Reason(ReasonKind.TOPOLOGY, "checkout depends on payments-db (topology)", 1.0)


def alertmanager(name: str, service: str, started: datetime) -> dict[str, Any]:
    alert = {
        "status": "firing",
        "labels": {"alertname": name, "service": service, "severity": "critical"},
        "annotations": {},
        "startsAt": started.isoformat(),
        "endsAt": "0001-01-01T00:00:00Z",
    }
    return {"version": "4", "status": "firing", "receiver": "holdoff", "alerts": [alert]}


def open_incident(
    client: TestClient | httpx.Client, name: str, service: str, started: datetime, **kw: Any
) -> int:
    """The group incident (``group_by: [service]``) a firing Alertmanager alert opens; its id."""
    response = client.post("/webhooks/alertmanager", json=alertmanager(name, service, started), **kw)
    assert response.status_code == 202, response.text
    items = client.get("/incidents", params={"state": "open"}, **kw).json()["items"]
    return int(next(item["id"] for item in items if item["labels"] == {"service": service}))


def add_member(
    db: Database,
    incident_id: int,
    lead_id: int,
    name: str,
    service: str,
    now: datetime,
    *reasons: Reason,
) -> None:
    """What the paging path records when ``incident_id`` pages and leads (``lead_id == incident_id``)
    or joins the correlated incident of ``lead_id``."""
    with db.read() as conn:
        stored = incidents.get(conn, incident_id)
    assert stored is not None
    member = Member(stored.record.key, service, "alertmanager", now, {}, frozenset(), name)
    score = sum(reason.weight for reason in reasons)
    with db.transaction() as conn:
        correlation_store.add_member(conn, incident_id, lead_id, member, score, reasons, now)
