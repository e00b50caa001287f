"""The POC's own test session (README section 9, "Testing"), run with the real curl against Holdoff.

The three commands are copied verbatim from the POC, backslash-newlines and the multi-line JSON body
included; only ``localhost:5000`` becomes the test server's address. curl reads a private config
file (``CURL_HOME``) that makes it print the status code after the body, so the command lines stay
exactly as the POC's users typed them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import Api, service_env, teams_alert_id, teams_text, teams_title
from tests.support.server import HoldoffProcess, StartHoldoff
from tests.support.settle import wait_until_settled
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

pytestmark = pytest.mark.e2e

POC_ADDRESS = "localhost:5000"

HEALTH_CHECK = """curl http://localhost:5000/health"""

TRIGGER_ALERT = """curl -X POST http://localhost:5000/coralogix/webhook \\
-H "Content-Type: application/json" \\
-d '{
  "alert_id": "test-xx",
  "alert_name": "CPU Spike Test",
  "alert_action": "TRIGGERED"
}'"""

RESOLVE_ALERT = """curl -X POST http://localhost:5000/coralogix/webhook \\
-H "Content-Type: application/json" \\
-d '{
  "alert_id": "test-xx",
  "alert_name": "CPU Spike Test",
  "alert_action": "RESOLVED"
}'"""

STATUS_MARK = "\n@@holdoff-test-status="


def _curl_home(tmp_path: Path) -> Path:
    home = tmp_path / "curl-home"
    home.mkdir()
    # Inside double quotes, .curlrc reads \n as a newline. Quiet output and no proxy, nothing more.
    (home / ".curlrc").write_text(
        'silent\nshow-error\nnoproxy = "*"\nmax-time = 15\nwrite-out = "\\n@@holdoff-test-status=%{http_code}"\n',
        encoding="utf-8",
    )
    return home


def run_poc_command(command: str, server: HoldoffProcess, curl_home: Path) -> tuple[int, Any]:
    """Run one POC command through bash with the real curl; return (HTTP status, parsed JSON body)."""
    assert POC_ADDRESS in command
    line = command.replace(POC_ADDRESS, f"{server.host}:{server.port}")
    bash = shutil.which("bash")
    assert bash is not None, "bash is needed to run the POC's commands"
    assert shutil.which("curl") is not None, "the real curl binary is needed"
    env = {"PATH": server.env["PATH"], "HOME": str(curl_home), "CURL_HOME": str(curl_home), "LANG": "C.UTF-8"}
    done = subprocess.run(
        [bash, "-c", line], capture_output=True, text=True, env=env, timeout=30, check=False
    )
    assert done.returncode == 0, f"curl exited {done.returncode}: {done.stderr}"
    body, mark, status = done.stdout.rpartition(STATUS_MARK)
    assert mark, f"curl printed no status line: {done.stdout!r}"
    return int(status), json.loads(body)


def test_poc_curl_session_holds_a_transient_alert_and_posts_one_teams_message(
    database_url: str,
    holdoff_process: StartHoldoff,
    teams_receiver: TeamsReceiver,
    smtp_sink: SmtpSink,
    tmp_path: Path,
) -> None:
    server = holdoff_process(service_env(database_url, grace=30, teams=teams_receiver, smtp=smtp_sink))
    curl_home = _curl_home(tmp_path)
    api = Api(server.url)

    status, health = run_poc_command(HEALTH_CHECK, server, curl_home)
    assert status == 200
    assert health["status"] == "ok"
    assert health["database"] == "ok"

    status, triggered = run_poc_command(TRIGGER_ALERT, server, curl_home)
    assert status == 202
    assert triggered["state"] == "pending"
    assert triggered["occurrence"] == 1
    assert triggered["resolution"] is None
    alert_id = triggered["alert_id"]
    assert triggered["url"] == f"{server.url}/alerts/{alert_id}"
    stored = api.alert(alert_id)
    assert (stored["fingerprint"], stored["name"], stored["state"]) == (
        "test-xx",
        "CPU Spike Test",
        "pending",
    )

    status, resolved = run_poc_command(RESOLVE_ALERT, server, curl_home)
    assert status == 202
    assert resolved["alert_id"] == alert_id
    assert resolved["state"] == "resolved"
    assert resolved["resolution"] == "transient"

    [message] = teams_receiver.wait_for(1, timeout=10)
    assert teams_alert_id(message) == alert_id
    assert teams_title(message) == "Resolved on its own: CPU Spike Test"
    assert "Nobody was paged" in teams_text(message)

    wait_until_settled(database_url)
    assert len(teams_receiver.requests) == 1
    assert smtp_sink.messages == []
    [alert] = api.alerts()
    assert alert["id"] == alert_id
    assert (alert["state"], alert["resolution"]) == ("resolved", "transient")
    detail = api.alert(alert_id)
    assert [(n["kind"], n["channel"], n["status"]) for n in detail["notifications"]] == [
        ("transient_resolved", "teams", "delivered")
    ]
    assert [e["action"] for e in detail["timeline"]] == ["triggered", "resolved"]
