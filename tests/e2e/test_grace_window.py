"""The grace window end to end: a blip is reported once on Teams, a real outage pages by email."""

from __future__ import annotations

import pytest

from tests.e2e import (
    EMAIL_FROM,
    EMAIL_TO,
    Api,
    assert_delivered_once,
    mail_alert_id,
    mail_subject,
    mail_text,
    notifications_by,
    service_env,
    teams_alert_id,
    teams_text,
    teams_title,
    timestamp,
)
from tests.support.server import StartHoldoff
from tests.support.settle import wait_until_settled
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

pytestmark = pytest.mark.e2e

GRACE = 2.0


def test_alert_resolved_inside_the_window_sends_one_teams_message_and_never_pages(
    database_url: str, holdoff_process: StartHoldoff, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    server = holdoff_process(service_env(database_url, grace=GRACE, teams=teams_receiver, smtp=smtp_sink))
    api = Api(server.url)

    triggered = api.trigger("blip-1", "Disk Latency Blip")
    resolved = api.resolve("blip-1", "Disk Latency Blip")

    alert_id = triggered["alert_id"]
    assert triggered["state"] == "pending"
    assert (resolved["alert_id"], resolved["state"], resolved["resolution"]) == (
        alert_id,
        "resolved",
        "transient",
    )
    [message] = teams_receiver.wait_for(1, timeout=5)
    assert teams_alert_id(message) == alert_id
    assert teams_title(message) == "Resolved on its own: Disk Latency Blip"
    assert "Nobody was paged" in teams_text(message)

    # No timer left that could page anyone (a deadline the resolve failed to clear would fire first).
    wait_until_settled(database_url)
    assert len(teams_receiver.requests) == 1
    assert smtp_sink.messages == []
    detail = api.alert(alert_id)
    assert (detail["state"], detail["resolution"], detail["escalated_at"]) == ("resolved", "transient", None)
    assert [e["action"] for e in detail["timeline"]] == ["triggered", "resolved"]
    [notification] = detail["notifications"]
    assert (notification["kind"], notification["channel"]) == ("transient_resolved", "teams")
    assert_delivered_once(notification)


def test_alert_still_firing_after_the_window_escalates_by_email_and_teams_then_reports_its_resolution(
    database_url: str, holdoff_process: StartHoldoff, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    server = holdoff_process(service_env(database_url, grace=GRACE, teams=teams_receiver, smtp=smtp_sink))
    api = Api(server.url)

    triggered = api.trigger("outage-1", "Checkout API 5xx")
    alert_id = triggered["alert_id"]
    assert triggered["state"] == "pending"
    opened_at = timestamp(api.alert(alert_id)["opened_at"])

    # --- the escalation: one email, one Teams message, not before the window ends ---
    [escalation_mail] = smtp_sink.wait_for(1, timeout=GRACE + 5)
    [escalation_card] = teams_receiver.wait_for(1, timeout=5)
    assert escalation_mail.at >= opened_at + GRACE
    assert escalation_card.at >= opened_at + GRACE
    assert "Checkout API 5xx" in mail_subject(escalation_mail)
    assert "ESCALATED" in mail_subject(escalation_mail)
    assert f"{server.url}/ui/alerts/{alert_id}" in mail_text(escalation_mail)
    assert mail_alert_id(escalation_mail) == alert_id
    assert escalation_mail.rcpt_tos == [EMAIL_TO]
    assert escalation_mail.mail_from == EMAIL_FROM
    assert teams_alert_id(escalation_card) == alert_id
    assert teams_title(escalation_card).startswith("ESCALATED: Checkout API 5xx")

    escalated = api.alert(alert_id)
    assert escalated["state"] == "escalated"
    assert escalated["escalated_at"] is not None
    assert timestamp(escalated["escalated_at"]) >= opened_at + GRACE
    assert escalated["resolution"] is None

    # --- the resolution: one more email and one more Teams message ---
    resolved = api.resolve("outage-1", "Checkout API 5xx")
    assert (resolved["alert_id"], resolved["state"], resolved["resolution"]) == (
        alert_id,
        "resolved",
        "after_escalation",
    )
    mails = smtp_sink.wait_for(2, timeout=5)
    cards = teams_receiver.wait_for(2, timeout=5)
    resolution_mail, resolution_card = mails[1], cards[1]
    assert mail_subject(resolution_mail).startswith("[Holdoff] RESOLVED: Checkout API 5xx")
    assert mail_alert_id(resolution_mail) == alert_id
    assert teams_title(resolution_card).startswith("RESOLVED: Checkout API 5xx")
    assert teams_alert_id(resolution_card) == alert_id

    wait_until_settled(database_url)
    assert len(smtp_sink.messages) == 2
    assert len(teams_receiver.requests) == 2

    detail = api.alert(alert_id)
    assert (detail["state"], detail["resolution"]) == ("resolved", "after_escalation")
    assert [(e["action"], e["state_after"]) for e in detail["timeline"]] == [
        ("triggered", "pending"),
        ("deadline_reached", "escalated"),
        ("resolved", "resolved"),
    ]
    assert len(detail["notifications"]) == 4
    for kind in ("escalated", "resolved"):
        for channel in ("email", "teams"):
            [notification] = notifications_by(detail, kind, channel)
            assert_delivered_once(notification)
    [teams_escalation] = notifications_by(detail, "escalated", "teams")
    assert teams_escalation["attempts"][0]["status_code"] == 202
    [teams_resolution] = notifications_by(detail, "resolved", "teams")
    assert teams_resolution["attempts"][0]["status_code"] == 202
