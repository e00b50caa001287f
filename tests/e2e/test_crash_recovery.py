"""kill -9 loses nothing: deadlines and messages live in the database and are honoured after restart."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.e2e import (
    Api,
    assert_delivered_once,
    mail_alert_id,
    mail_subject,
    notifications_by,
    service_env,
    teams_alert_id,
    teams_title,
    timestamp,
)
from tests.support.server import StartHoldoff
from tests.support.settle import wait_until_every_deadline_passed, wait_until_settled
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

pytestmark = pytest.mark.e2e


def test_escalations_that_fell_due_while_the_service_was_down_are_sent_exactly_once_after_restart(
    database_url: str, holdoff_process: StartHoldoff, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    grace = 3.0
    server = holdoff_process(service_env(database_url, grace=grace, teams=teams_receiver, smtp=smtp_sink))
    api = Api(server.url)
    port = server.port

    started = time.monotonic()
    ids = [api.trigger(f"crash-{n:02d}", f"Crash Test Alert {n:02d}")["alert_id"] for n in range(20)]
    server.kill9()
    # The scenario needs every deadline still ahead when the process dies.
    assert time.monotonic() - started < grace, "triggering took longer than the grace window"
    assert len(set(ids)) == 20

    wait_until_every_deadline_passed(database_url)  # while nothing runs
    assert smtp_sink.messages == []
    assert teams_receiver.requests == []

    server.start()
    assert server.port == port
    smtp_sink.wait_for(20, timeout=15)
    teams_receiver.wait_for(20, timeout=15)
    wait_until_settled(database_url)

    mails = smtp_sink.messages
    cards = teams_receiver.requests
    assert len(mails) == 20, [mail_subject(mail) for mail in mails]
    assert len(cards) == 20, [request.describe() for request in cards]
    assert all(request.ok for request in cards)
    assert Counter(mail_alert_id(mail) for mail in mails) == Counter(ids)
    assert Counter(teams_alert_id(request) for request in cards) == Counter(ids)
    subjects = [mail_subject(mail) for mail in mails]
    assert len(set(subjects)) == 20
    assert all(subject.startswith("[Holdoff] ESCALATED: Crash Test Alert") for subject in subjects)
    assert all(teams_title(request).startswith("ESCALATED: Crash Test Alert") for request in cards)

    listed = {alert["id"]: alert for alert in api.alerts()}
    assert sorted(listed) == sorted(ids)
    assert {alert["state"] for alert in listed.values()} == {"escalated"}
    for alert_id in ids:
        detail = api.alert(alert_id)
        assert [e["action"] for e in detail["timeline"]] == ["triggered", "deadline_reached"]
        assert len(detail["notifications"]) == 2
        for channel in ("email", "teams"):
            [notification] = notifications_by(detail, "escalated", channel)
            assert_delivered_once(notification)


def test_restart_inside_the_grace_window_keeps_every_deadline_on_time_and_pages_once(
    database_url: str, holdoff_process: StartHoldoff, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    grace = 8.0  # the restart (a fresh interpreter importing everything) must fit well inside it
    server = holdoff_process(service_env(database_url, grace=grace, teams=teams_receiver, smtp=smtp_sink))
    api = Api(server.url)

    ids = [api.trigger(f"restart-{n}", f"Restart Alert {n}")["alert_id"] for n in range(5)]
    time.sleep(1.0)
    server.kill9()
    server.start()

    # The timers survived the crash: every alert is still pending with its deadline stored.
    deadlines: dict[int, float] = {}
    for alert_id in ids:
        detail = api.alert(alert_id)
        assert detail["state"] == "pending"
        opened_at = timestamp(detail["opened_at"])
        assert timestamp(detail["deadline_at"]) == pytest.approx(opened_at + grace, abs=0.01)
        deadlines[alert_id] = opened_at + grace

    smtp_sink.wait_for(5, timeout=grace + 8)
    teams_receiver.wait_for(5, timeout=5)
    wait_until_settled(database_url)

    mails = smtp_sink.messages
    cards = teams_receiver.requests
    assert Counter(mail_alert_id(mail) for mail in mails) == Counter(ids)
    assert Counter(teams_alert_id(request) for request in cards) == Counter(ids)
    for mail in mails:
        due = deadlines[mail_alert_id(mail)]
        assert due <= mail.at <= due + 2.5, f"{mail_subject(mail)}: {mail.at - due:+.2f}s from its deadline"
    for request in cards:
        due = deadlines[teams_alert_id(request)]
        assert due <= request.at <= due + 2.5, (
            f"{teams_title(request)}: {request.at - due:+.2f}s from deadline"
        )

    for alert_id in ids:
        detail = api.alert(alert_id)
        assert detail["state"] == "escalated"
        assert timestamp(detail["escalated_at"]) >= deadlines[alert_id]
        for channel in ("email", "teams"):
            [notification] = notifications_by(detail, "escalated", channel)
            assert_delivered_once(notification)
