"""``holdoff test-channel NAME``: a test message now, and what the channel answered."""

from __future__ import annotations

import os
import subprocess
import sys

from holdoff.notify.testing import send_test
from holdoff.settings import Settings
from tests.support.teams_receiver import TeamsReceiver


def test_a_test_message_reaches_the_channel_and_is_reported(teams_receiver: TeamsReceiver) -> None:
    settings = Settings(teams_webhook_url=teams_receiver.url)  # type: ignore[arg-type]
    lines, ok = send_test(settings.channels, None, settings.resolved_public_url, "teams")
    assert ok
    assert lines[0].startswith("teams: escalated delivered (HTTP 202, ")
    [request] = teams_receiver.wait_for(1)
    card = request.json["attachments"][0]["content"]
    assert card["body"][0]["inlines"][0]["text"] == "Holdoff test message"


def test_a_failing_channel_is_reported_with_the_error_and_exit_status_1(
    teams_receiver: TeamsReceiver,
) -> None:
    teams_receiver.fail_with(403, body="Forbidden: the flow is disabled")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOFF_")}
    env["TEAMS_WEBHOOK_URL"] = teams_receiver.url
    result = subprocess.run(
        [sys.executable, "-m", "holdoff", "test-channel", "teams"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "teams: escalated FAILED (HTTP 403" in result.stdout
    assert "would not be retried" in result.stdout
    assert teams_receiver.url.split("sig=")[-1] not in result.stdout


def test_an_unknown_channel_names_the_configured_ones() -> None:
    lines, ok = send_test([], None, "http://127.0.0.1:5000", "pager")
    assert not ok
    assert lines == ["holdoff: no channel named 'pager' is configured (no channel is configured)"]
