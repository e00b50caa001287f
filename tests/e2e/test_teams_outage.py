"""A Teams outage delays messages but loses none and duplicates none; every attempt is on record."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.e2e import Api, service_env, teams_alert_id, teams_title
from tests.support.net import poll
from tests.support.server import StartHoldoff
from tests.support.settle import wait_until_settled
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import ReceivedRequest, TeamsReceiver

pytestmark = pytest.mark.e2e

OUTAGE_SECONDS = 10.0


def test_transient_messages_held_up_by_a_teams_outage_arrive_exactly_once_after_it_ends(
    database_url: str, holdoff_process: StartHoldoff, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    server = holdoff_process(
        service_env(
            database_url,
            grace=2,
            teams=teams_receiver,
            smtp=smtp_sink,
            HOLDOFF_RETRY_BASE_SECONDS=1,
            HOLDOFF_RETRY_MAX_SECONDS=4,
        )
    )
    api = Api(server.url)

    teams_receiver.fail_with(500, seconds=OUTAGE_SECONDS)
    ids = []
    for n in range(5):
        alert_id = api.trigger(f"flaky-{n}", f"Flaky Probe {n}")["alert_id"]
        resolved = api.resolve(f"flaky-{n}", f"Flaky Probe {n}")
        assert (resolved["alert_id"], resolved["state"], resolved["resolution"]) == (
            alert_id,
            "resolved",
            "transient",
        )
        ids.append(alert_id)

    # The outage also raises HoldoffChannelFailing (3 failures in a row); its own messages are not counted here.
    def probes() -> list[ReceivedRequest]:
        return [r for r in teams_receiver.received if "HoldoffChannelFailing" not in teams_title(r)]

    poll(lambda: len(probes()) >= 5, OUTAGE_SECONDS + 10)
    wait_until_settled(database_url)
    delivered = probes()
    assert len(delivered) == 5, [request.describe() for request in teams_receiver.requests]
    assert Counter(teams_alert_id(request) for request in delivered) == Counter(ids)
    assert all(teams_title(request).startswith("Resolved on its own: Flaky Probe") for request in delivered)
    refused = Counter(
        teams_alert_id(request)
        for request in teams_receiver.requests
        if not request.ok and "HoldoffChannelFailing" not in teams_title(request)
    )
    assert set(refused) == set(ids), f"not every message met the outage: {refused}"
    # Nothing about the flaky probes by mail; the failing channel itself was reported there.
    assert all("HoldoffChannelFailing" in mail.message["Subject"] for mail in smtp_sink.messages)

    for alert_id in ids:
        detail = api.alert(alert_id)
        assert (detail["state"], detail["resolution"]) == ("resolved", "transient")
        [notification] = detail["notifications"]
        assert (notification["kind"], notification["channel"]) == ("transient_resolved", "teams")
        assert notification["status"] == "delivered"
        assert notification["delivered_at"] is not None
        attempts = notification["attempts"]
        assert [a["attempt"] for a in attempts] == list(range(1, len(attempts) + 1))
        *failed, last = attempts
        # Every refused request is on record as a failed attempt, and nothing else is.
        assert len(failed) == refused[alert_id]
        for attempt in failed:
            assert attempt["ok"] is False
            assert attempt["status_code"] == 500
            assert "HTTP 500" in attempt["error"]
            assert teams_receiver.sig not in attempt["error"]
        assert (last["ok"], last["status_code"], last["error"]) == (True, 202, None)
        assert [a["at"] for a in attempts] == sorted(a["at"] for a in attempts)
    # The failures were logged (with the retry time), and the webhook's secret never was.
    log = server.log_text()
    assert "failed (attempt 1)" in log
    assert teams_receiver.sig not in log
