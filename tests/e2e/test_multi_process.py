"""Scale-out on PostgreSQL: several Holdoff processes share one database and page exactly once."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e import (
    Api,
    assert_delivered_once,
    mail_alert_id,
    mail_subject,
    notifications_by,
    service_env,
    teams_alert_id,
)
from tests.support.server import StartHoldoff
from tests.support.settle import wait_until_settled
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

pytestmark = pytest.mark.e2e

GRACE = 2.0


def _trigger_all(targets: list[tuple[Api, str]]) -> list[int]:
    """Trigger every (process, fingerprint) at once from several threads; return the alert ids in order."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda target: target[0].trigger(target[1], f"Shared {target[1]}"), targets))
    assert {answer["state"] for answer in answers} == {"pending"}
    return [answer["alert_id"] for answer in answers]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_processes_on_one_postgresql_escalate_each_alert_exactly_once_and_survive_losing_one(
    database_url: str, holdoff_process: StartHoldoff, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    env = service_env(database_url, grace=GRACE, teams=teams_receiver, smtp=smtp_sink)
    # Both start at the same moment on an empty database: both try to migrate it.
    first = holdoff_process(env, wait=False)
    second = holdoff_process(env, wait=False)
    first.wait_healthy()
    second.wait_healthy()
    assert first.port != second.port
    apis = [Api(first.url), Api(second.url)]

    targets = [(apis[n % 2], f"shared-{n:02d}") for n in range(30)]
    ids = _trigger_all(targets)
    assert len(set(ids)) == 30

    smtp_sink.wait_for(30, timeout=GRACE + 15)
    teams_receiver.wait_for(30, timeout=10)
    wait_until_settled(database_url)
    mails = smtp_sink.messages
    assert len(mails) == 30, Counter(mail_subject(mail) for mail in mails).most_common(3)
    assert Counter(mail_alert_id(mail) for mail in mails) == Counter(ids)
    assert len(teams_receiver.requests) == 30
    assert Counter(teams_alert_id(request) for request in teams_receiver.requests) == Counter(ids)

    # Both processes see the same, single truth.
    for api in apis:
        listed = api.alerts()
        assert sorted(alert["id"] for alert in listed) == sorted(ids)
        assert {alert["state"] for alert in listed} == {"escalated"}
    for alert_id in ids[:6]:
        detail = apis[1].alert(alert_id)
        assert [e["action"] for e in detail["timeline"]] == ["triggered", "deadline_reached"]
        for channel in ("email", "teams"):
            [notification] = notifications_by(detail, "escalated", channel)
            assert_delivered_once(notification)

    # --- lose one process: its pending alerts and new ones on the survivor still escalate ---
    orphaned = _trigger_all([(apis[0], f"orphan-{n}") for n in range(3)])
    first.kill9()
    killed_at = time.time()
    survivors = _trigger_all([(apis[1], f"survivor-{n}") for n in range(3)])

    smtp_sink.wait_for(36, timeout=GRACE + 10)
    teams_receiver.wait_for(36, timeout=10)
    wait_until_settled(database_url)  # the dead process's leased messages included
    late_mails = smtp_sink.messages[30:]
    assert len(late_mails) == 6, [mail_subject(mail) for mail in late_mails]
    assert Counter(mail_alert_id(mail) for mail in late_mails) == Counter(orphaned + survivors)
    assert all(mail.at > killed_at for mail in late_mails)
    late_cards = teams_receiver.requests[30:]
    assert Counter(teams_alert_id(request) for request in late_cards) == Counter(orphaned + survivors)
    assert len(smtp_sink.messages) == 36
    for alert_id in orphaned + survivors:
        assert apis[1].alert(alert_id)["state"] == "escalated"
    assert not first.running
