"""Log-born alerts end to end, on SQLite and PostgreSQL: a burst of failed SSH logins and an error-rate
spike each give exactly one alert, held for the grace window, then escalated (email), carrying the
offending lines; a sender's retried post (same record ids) is not counted twice."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import Api, mail_subject, mail_text, service_env
from tests.support.server import StartHoldoff
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.e2e

GRACE = 2.0
NDJSON = {"Content-Type": "application/x-ndjson"}


def ndjson(records: list[dict[str, Any]]) -> str:
    return "\n".join(json.dumps(record) for record in records) + "\n"


def post(api: Api, records: list[dict[str, Any]]) -> dict[str, Any]:
    response = api.request("POST", "/logs", content=ndjson(records), headers=NDJSON)
    assert response.status_code == 202, response.text
    answer: dict[str, Any] = response.json()
    return answer


def log_alerts(api: Api) -> list[dict[str, Any]]:
    return [alert for alert in api.alerts() if alert["source"] == "logs"]


def wait_for(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def start(database_url: str, holdoff_process: StartHoldoff, smtp_sink: SmtpSink, log_model_dir: Path) -> Api:
    env = service_env(
        database_url,
        grace=GRACE,
        smtp=smtp_sink,
        HOLDOFF_LOGS__CLASSIFIER__MODEL_DIR=log_model_dir,
        HOLDOFF_LOGS__RETENTION__SWEEP_SECONDS=0.5,
    )
    return Api(holdoff_process(env).url)


def test_a_burst_of_failed_ssh_logins_is_one_held_then_escalated_alert_counted_once(
    database_url: str, holdoff_process: StartHoldoff, smtp_sink: SmtpSink, log_model_dir: Path
) -> None:
    api = start(database_url, holdoff_process, smtp_sink, log_model_dir)
    now = datetime.now(UTC)
    burst = [
        {
            "record_id": f"auth.log:{index}",
            "timestamp": (now + timedelta(seconds=index)).isoformat(),
            "service": "sshd",
            "host": "bastion-1",
            "message": f"Failed password for invalid user admin{index} from 203.0.113.7 port {40000 + index} ssh2",
        }
        for index in range(15)
    ]
    first = post(api, burst)
    retried = post(api, burst)  # the sender did not see the first answer and sends again
    assert (first["accepted"], first["duplicates"]) == (15, 0)
    assert (retried["accepted"], retried["duplicates"]) == (15, 15)

    [alert] = wait_for(lambda: log_alerts(api), 10, "the failed-login alert")
    assert alert["state"] == "pending"  # held for the grace window first
    assert alert["name"] == "Failed logins from 203.0.113.7 on sshd"
    [mail] = smtp_sink.wait_for(1, timeout=GRACE + 10)
    assert "Failed logins from 203.0.113.7 on sshd" in mail_subject(mail)
    assert burst[0]["message"] in mail_text(mail)  # the page carries the offending lines
    detail = api.alert(alert["id"])
    assert detail["state"] == "escalated"
    assert detail["labels"]["address"] == "203.0.113.7"
    assert detail["annotations"]["count"] == "15"  # the retried post was not counted again
    samples = detail["annotations"]["samples"].split("\n")
    assert samples[0] == burst[0]["message"]
    assert burst[-1]["message"] in samples
    assert len(log_alerts(api)) == 1
    stored = api.request("GET", "/logs", params={"service": "sshd", "limit": 100}).json()["items"]
    assert len(stored) == 15


def test_an_error_rate_spike_is_one_held_then_escalated_alert_with_its_lines(
    database_url: str, holdoff_process: StartHoldoff, smtp_sink: SmtpSink, log_model_dir: Path
) -> None:
    api = start(database_url, holdoff_process, smtp_sink, log_model_dir)
    now = datetime.now(UTC)
    records = []
    for index in range(120):
        at = (now + timedelta(milliseconds=500 * index)).isoformat()
        if index % 3 == 0:
            message = f"upstream request failed: status=503 path=/api/cart/{index} after 1200 ms"
            records.append({"timestamp": at, "service": "checkout", "level": "ERROR", "message": message})
        else:
            message = f"GET /api/cart/{index} served in {10 + index % 7} ms"
            records.append({"timestamp": at, "service": "checkout", "level": "INFO", "message": message})
    for start_at in range(0, len(records), 40):  # a sender's batches
        post(api, records[start_at : start_at + 40])

    [alert] = wait_for(lambda: log_alerts(api), 10, "the error-rate alert")
    assert alert["name"] == "High error rate on checkout"
    assert alert["state"] == "pending"
    [mail] = smtp_sink.wait_for(1, timeout=GRACE + 10)
    assert "High error rate on checkout" in mail_subject(mail)
    assert "upstream request failed: status=503" in mail_text(mail)
    detail = api.alert(alert["id"])
    assert detail["state"] == "escalated"
    assert detail["labels"]["service"] == "checkout"
    samples = detail["annotations"]["samples"].split("\n")
    assert samples and all(line.startswith("upstream request failed: status=503") for line in samples)
    assert int(detail["annotations"]["count"]) >= 20
    assert len(log_alerts(api)) == 1
