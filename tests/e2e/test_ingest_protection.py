"""Ingest authentication in protected mode against the real ``holdoff serve``.

Credentials created while the service runs: it notices at the next request (checked at most once a
second), logs which alert sources still take webhooks without a token, and keeps taking them (a
paging system must not drop alerts mid-run); the next start refuses until each source has a token or
is marked open. With a token for every source, the service starts and a webhook without it is a 401.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e import Api, service_env
from tests.support.server import StartHoldoff

pytestmark = pytest.mark.e2e

WAIT_SECONDS = 15.0
INGEST_TOKEN = "cx-token-0123456789"
WEBHOOK = {"alert_id": "ip-1", "alert_name": "Ingest Protection Test", "alert_action": "TRIGGERED"}


def create_token(database_url: str) -> str:
    """``holdoff token create`` as an operator runs it; returns the printed token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOFF_")}
    result = subprocess.run(
        [sys.executable, "-m", "holdoff", "token", "create", "--role", "admin", "--name", "me"],
        env={**env, "HOLDOFF_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return next(word for word in result.stdout.split() if word.startswith("hld_"))


def test_credentials_made_while_running_are_noticed_and_logged_and_webhooks_keep_arriving(
    holdoff_process: StartHoldoff, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'holdoff.db'}"
    server = holdoff_process(service_env(database_url, grace=600))
    api = Api(server.url)
    assert api.request("GET", "/alerts").status_code == 200  # open mode

    create_token(database_url)
    deadline = time.monotonic() + WAIT_SECONDS
    while api.request("GET", "/alerts").status_code != 401:  # protected from now on
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(0.05)
    while "[ingest-unauthenticated]" not in server.log_text():
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(0.05)
    log = server.log_text()
    assert "credentials now exist: Holdoff left open mode" in log
    assert (
        "alert sources coralogix, alertmanager, grafana, cloudwatch, aws-health, securityhub, generic" in log
    )

    assert api.request("POST", "/coralogix/webhook", json=WEBHOOK).status_code == 202

    server.stop()
    refused = holdoff_process(service_env(database_url, grace=600), wait=False)
    deadline = time.monotonic() + WAIT_SECONDS
    while refused.returncode is None:
        assert time.monotonic() < deadline, refused.log_tail()
        time.sleep(0.05)
    assert refused.returncode == 2
    assert "refusing to start: Holdoff is in protected mode (API tokens or users exist)" in refused.log_text()


def test_protected_service_with_tokens_starts_and_wants_the_token(
    holdoff_process: StartHoldoff, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'holdoff.db'}"
    admin = create_token(database_url)
    env = service_env(
        database_url,
        grace=600,
        HOLDOFF_INGEST_TOKENS=f'{{"coralogix":"{INGEST_TOKEN}"}}',
        HOLDOFF_OPEN_SOURCES="alertmanager,grafana,cloudwatch,aws-health,securityhub,generic",
    )
    server = holdoff_process(env)
    api = Api(server.url)
    assert api.request("POST", "/coralogix/webhook", json=WEBHOOK).status_code == 401
    with_token = {"Authorization": f"Bearer {INGEST_TOKEN}"}
    assert api.request("POST", "/coralogix/webhook", json=WEBHOOK, headers=with_token).status_code == 202
    assert (
        api.request(
            "POST", "/webhooks/generic", json={"id": "g-1", "status": "firing", "name": "Open On Purpose"}
        ).status_code
        == 202
    )
    channels = api.request("GET", "/channels", headers={"Authorization": f"Bearer {admin}"}).json()
    assert {s["name"]: s["auth"] for s in channels["sources"]}["coralogix"] == "token"
    assert "alert sources open on purpose (no token): alertmanager, grafana" in server.log_text()
