"""Holdoff's own counters and histograms on ``GET /metrics``, moved by webhooks, the scheduler and the
sender of a real app (SQLite and PostgreSQL); and the work waiting, read from the database."""

from __future__ import annotations

import pytest

from holdoff.telemetry.metrics import Decision
from tests.telemetry.support import BUSY, OK, App, Samples, ScriptedChannel, scripted_app, value

CORALOGIX = "/coralogix/webhook"


def _post(app: App, fingerprint: str, action: str = "TRIGGERED") -> None:
    body = {"alert_id": fingerprint, "alert_name": f"CPU {fingerprint}", "alert_action": action}
    response = app.client.post(CORALOGIX, json=body)
    assert response.status_code == 202, response.text


def _moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_webhooks_escalations_and_deliveries_move_the_counters(database_url: str) -> None:
    teams, email = ScriptedChannel(OK), ScriptedChannel(BUSY)
    with scripted_app(database_url, {"teams": teams, "email": email}) as app:
        before = app.scrape()
        _post(app, "held-1")
        _post(app, "brief-1")
        _post(app, "brief-1", "RESOLVED")
        refused = app.client.post(CORALOGIX, json={"alert_action": "TRIGGERED"})  # no alert_id
        assert refused.status_code == 422
        after = app.scrape()

        received = "holdoff_alerts_received_total"
        assert _moved(before, after, received, source="coralogix", outcome="accepted") == 3
        assert _moved(before, after, received, source="coralogix", outcome="refused") == 1
        decided = "holdoff_decisions_total"
        assert _moved(before, after, decided, decision=Decision.HELD) == 2
        assert _moved(before, after, decided, decision=Decision.TRANSIENT) == 1
        assert _moved(before, after, decided, decision=Decision.ESCALATED) == 0
        assert _moved(before, after, "holdoff_webhook_duration_seconds_count", source="coralogix") == 4
        assert _moved(before, after, "holdoff_webhook_duration_seconds_sum", source="coralogix") > 0
        # the transient's informational message waits for the sender; every configured channel is a series
        assert value(after, "holdoff_outbox_messages", channel="teams") == 1
        assert ("holdoff_outbox_messages", (("channel", "email"),)) in after
        assert value(after, "holdoff_outbox_messages", channel="email") == 0
        assert value(after, "holdoff_scheduler_lag_seconds") == 0

        app.clock.advance(700)  # the grace deadline of held-1 passed 100 s ago, and nothing fired it
        late = app.scrape()
        assert value(late, "holdoff_scheduler_lag_seconds") == 100
        assert value(late, "holdoff_outbox_lag_seconds") == 700

        app.runtime.mediator.fire_due()
        fired = app.scrape()
        assert _moved(after, fired, decided, decision=Decision.ESCALATED) == 1
        assert value(fired, "holdoff_scheduler_lag_seconds") == 0
        assert value(fired, "holdoff_outbox_messages", channel="email") == 1
        assert value(fired, "holdoff_outbox_messages", channel="teams") == 2

        app.runtime.sender.run_once()
        sent = app.scrape()
        assert _moved(fired, sent, "holdoff_notifications_sent_total", channel="teams") == 2
        failed = "holdoff_notifications_failed_total"
        assert _moved(fired, sent, failed, channel="email", retrying="true") == 1
        assert _moved(fired, sent, "holdoff_notifications_sent_total", channel="email") == 0
        assert _moved(fired, sent, "holdoff_delivery_duration_seconds_count", channel="teams") == 2
        assert _moved(fired, sent, "holdoff_delivery_duration_seconds_count", channel="email") == 1
        # queued 700 s (the transient's message) and 0 s (the escalation) before the fake clock's now
        assert _moved(fired, sent, "holdoff_delivery_delay_seconds_count", channel="teams") == 2
        assert _moved(fired, sent, "holdoff_delivery_delay_seconds_sum", channel="teams") == pytest.approx(
            700
        )
        assert value(sent, "holdoff_outbox_messages", channel="teams") == 0
        assert value(sent, "holdoff_outbox_messages", channel="email") == 1  # to be retried
        assert len(teams.sent) == 2 and len(email.sent) == 1


def test_every_family_is_served_with_its_type_and_histograms_have_buckets(database_url: str) -> None:
    with scripted_app(database_url, {"teams": ScriptedChannel(OK)}) as app:
        _post(app, "one")
        found = app.scrape()
    names = {name for name, _ in found}
    assert {
        "holdoff_alerts_received_total",
        "holdoff_decisions_total",
        "holdoff_notifications_sent_total",
        "holdoff_notifications_failed_total",
        "holdoff_webhook_duration_seconds_bucket",
        "holdoff_outbox_messages",
        "holdoff_outbox_lag_seconds",
        "holdoff_scheduler_lag_seconds",
        "holdoff_alerts",
        "holdoff_build_info",
    } <= names
    buckets = {
        dict(labels)["le"]: count
        for (name, labels), count in found.items()
        if name == "holdoff_webhook_duration_seconds_bucket" and dict(labels)["source"] == "coralogix"
    }
    assert buckets["+Inf"] >= 1
    assert list(buckets.values()) == sorted(buckets.values())  # cumulative
    # every decision is a series from the start, so rate() sees the first one
    assert {dict(labels)["decision"] for name, labels in found if name == "holdoff_decisions_total"} == {
        decision.value for decision in Decision
    }
