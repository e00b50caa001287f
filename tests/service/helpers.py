"""What the service tests share: a fake clock, settings pointing at the local receivers, a runtime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from holdoff.mediate.model import Action, AlertEvent
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from holdoff.store.tables import notifications
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 14, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_settings(database_url: str, teams: TeamsReceiver, smtp: SmtpSink, **extra: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "grace_seconds": 600,
        "teams_webhook_url": teams.url,
        "email_from": "holdoff@example.test",
        "email_to": ["oncall@example.test"],
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "retry_base_seconds": 2,
        "retry_max_seconds": 60,
        "public_url": "https://holdoff.example.test",
    }
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


def trigger(fingerprint: str = "cpu-1", action: Action = Action.TRIGGERED) -> AlertEvent:
    return AlertEvent(
        source="coralogix", fingerprint=fingerprint, action=action, name=f"CPU Spike {fingerprint}"
    )


def outbox_rows(rt: Runtime) -> list[tuple[int, str, str, str]]:
    with rt.db.read() as conn:
        query = select(
            notifications.c.alert_id, notifications.c.kind, notifications.c.channel, notifications.c.status
        ).order_by(notifications.c.id)
        return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]
