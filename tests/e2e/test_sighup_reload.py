"""``kill -HUP`` makes a running server apply a changed policy file, without a restart."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e import Api, service_env
from tests.support.server import StartHoldoff
from tests.support.settle import wait_until_settled

pytestmark = pytest.mark.e2e


def _wait_for_state(api: Api, alert_id: int, state: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api.request("GET", f"/alerts/{alert_id}").json()["state"] == state:
            return
        time.sleep(0.2)
    raise AssertionError(f"alert {alert_id} did not become {state} within {timeout}s")


def test_sighup_applies_new_routes_and_keeps_serving(
    database_url: str, holdoff_process: StartHoldoff, tmp_path: Path
) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text("grace_seconds: 600\n")
    server = holdoff_process(service_env(database_url, grace=600), extra_args=["--config", str(config)])
    api = Api(server.url)
    config.write_text(
        "grace_seconds: 600\nroutes:\n  - name: db\n    match: '{team=\"db\"}'\n    grace: 1s\n"
    )
    assert server.pid is not None
    os.kill(server.pid, signal.SIGHUP)
    deadline = time.monotonic() + 10
    while "policy reloaded" not in server.log_text():
        assert time.monotonic() < deadline, server.log_text()[-2000:]
        time.sleep(0.1)
    payload = {
        "alert_id": "db-1",
        "alert_name": "Replica lag",
        "alert_action": "TRIGGERED",
        "fields": [{"key": "team", "value": "db"}],
    }
    answer = api.request("POST", "/coralogix/webhook", json=payload).json()
    assert "route db" in answer["summary"]
    _wait_for_state(api, answer["alert_id"], "escalated", timeout=8)
    other = api.trigger("web-1", "Slow page")
    # Had web-1 taken the db route's 1 s grace, its deadline would fire within these two seconds.
    wait_until_settled(database_url, timers_due_by=datetime.now(UTC) + timedelta(seconds=2))
    assert api.request("GET", f"/alerts/{other['alert_id']}").json()["state"] == "pending"
