"""Messages for the channel tests, rendered the way the service renders them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from holdoff.mediate.model import AlertRecord, AlertState, NotificationKind, Severity
from holdoff.notify.message import Message, render

NOW = datetime(2024, 5, 1, 3, 0, 0, tzinfo=UTC)
PUBLIC_URL = "http://holdoff.local"
ALERT_ID = 42


def alert(**changes: Any) -> AlertRecord:
    values: dict[str, Any] = {
        "source": "coralogix",
        "fingerprint": "fp-cpu-1",
        "name": "CPU Spike Test",
        "state": AlertState.RESOLVED,
        "occurrence": 1,
        "severity": Severity.HIGH,
        "labels": {"team": "payments", "env": "prod"},
        "annotations": {"description": "CPU above 90% on api-1"},
        "opened_at": NOW - timedelta(seconds=192),
        "resolved_at": NOW,
    }
    values.update(changes)
    return AlertRecord(**values)


def message(kind: NotificationKind = NotificationKind.ESCALATED, **changes: Any) -> Message:
    return render(ALERT_ID, alert(**changes), kind, NOW, PUBLIC_URL)
