"""Metric anomalies end to end, on SQLite and PostgreSQL: a real Prometheus (Debian's ``prometheus``)
scrapes a local exporter every second and remote-writes to a real ``holdoff serve``. A sustained spike
on one host becomes an alert that is held for the grace window and then escalated by email; a blip on
another host, shorter than the grace window, opens an alert that resolves while held and never pages.
And the seed's path: a CPU anomaly pushed to ``POST /metrics/ingest`` with error logs of its service
around it takes the route that needs error logs, and its email carries the top error templates; the
same anomaly with clean logs takes the other branch (Teams, no email).

The test configuration uses a threshold detector (``value > 90``), which is ready from its first point,
so the test needs no warm-up; ``resolve_after: 2s`` lets the blip resolve within the 8-second grace
window. Timing: the first samples arrive ~6-8 s after Prometheus starts (its first service-discovery
round), then each scrape within ~1 s; the test takes ~20-25 s per backend.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import Api, mail_subject, mail_text, service_env, teams_text
from tests.support import prometheus_rw
from tests.support.prometheus_rw import Exporter, RemoteWritingPrometheus
from tests.support.server import StartHoldoff
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

exporter = prometheus_rw.exporter
start_remote_writing_prometheus = prometheus_rw.start_remote_writing_prometheus

TOKEN = "remote-write-token-0123456789"
GRACE = 8.0
METRIC = "holdoff_e2e_cpu"
CONFIG = f"""
metrics:
  senders:
    prometheus: {{token: {TOKEN}}}
detectors:
  - name: cpu
    match: {METRIC}
    detectors: [{{type: threshold, op: ">", value: 90}}]
    resolve_after: 2s
    severity: high
  - name: others
    match: ""
    detectors: [{{type: streaming}}]
    alert: false
"""


def wait_for(condition: Callable[[], Any], timeout: float, what: str, describe: Callable[[], str]) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{describe()}")


def metric_alert(api: Api, host: str) -> dict[str, Any] | None:
    found = [a for a in api.alerts() if a["source"] == "metrics" and a["labels"].get("host") == host]
    assert len(found) <= 1
    return found[0] if found else None


def scored(api: Api, host: str) -> bool:
    series = api.request("GET", "/anomalies/series", params={"name": METRIC}).json()["series"]
    return any(item["labels"].get("host") == host and item["phase"] == "ready" for item in series)


def test_a_spike_is_held_then_escalated_and_a_blip_inside_the_grace_window_never_pages(
    database_url: str,
    tmp_path: Path,
    holdoff_process: StartHoldoff,
    smtp_sink: SmtpSink,
    exporter: Exporter,
    start_remote_writing_prometheus: Callable[..., RemoteWritingPrometheus],
) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    holdoff = holdoff_process(
        service_env(database_url, grace=GRACE, smtp=smtp_sink), extra_args=["--config", str(config)]
    )
    api = Api(holdoff.url)
    exporter.set(METRIC, 40.0, host="web-1")
    exporter.set(METRIC, 40.0, host="web-2")
    prometheus = start_remote_writing_prometheus(
        scrape_targets=[exporter.address], remote_write_url=f"{holdoff.url}/api/v1/write", token=TOKEN
    )

    def describe() -> str:
        return f"--- prometheus ---\n{prometheus.log_tail(20)}\n--- holdoff ---\n{holdoff.log_tail(40)}"

    wait_for(lambda: scored(api, "web-1") and scored(api, "web-2"), 40, "both series scored", describe)

    exporter.set(METRIC, 97.0, host="web-1")  # the blip: back to normal as soon as it is seen
    blip = wait_for(lambda: metric_alert(api, "web-1"), 15, "the blip's alert", describe)
    exporter.set(METRIC, 40.0, host="web-1")
    assert blip["state"] == "pending"

    exporter.set(METRIC, 97.0, host="web-2")  # the spike: stays up
    spike = wait_for(lambda: metric_alert(api, "web-2"), 15, "the spike's alert", describe)
    assert spike["state"] == "pending"  # held for the grace window first
    assert spike["name"] == f"Anomaly in {METRIC} on web-2"

    [mail] = smtp_sink.wait_for(1, timeout=GRACE + 15)
    assert f"Anomaly in {METRIC} on web-2" in mail_subject(mail)
    assert "anomaly score 1.00 (threshold 0.5)" in mail_text(mail)
    detail = api.alert(spike["id"])
    assert detail["state"] == "escalated"
    assert detail["labels"]["metric"] == METRIC and detail["labels"]["detector_entry"] == "cpu"
    assert detail["annotations"]["learning_state"] == "ready"
    assert "threshold: value 97 > 90" in detail["annotations"]["reason"]

    # The blip opened before the spike, so its grace deadline has passed too: it resolved while held.
    resolved = api.alert(blip["id"])
    assert resolved["state"] == "resolved", resolved
    assert len(smtp_sink.messages) == 1


SEED_RULE = f"""
metrics:
  senders:
    pusher: {{token: {TOKEN}}}
detectors:
  - name: cpu
    match: cpu_utilization
    detectors: [{{type: threshold, op: ">", value: 90}}]
policy:
  routes:
    - name: anomaly-with-error-logs       # the seed's rule: page only when the logs show errors
      match: '{{source="metrics"}}'
      error_logs: true
      channels: {{escalated: [email]}}
    - name: anomaly-with-clean-logs
      match: '{{source="metrics"}}'
      error_logs: false
      channels: {{escalated: [teams]}}
"""


def push_cpu_anomaly_with_logs(api: Api, level: str, message: str) -> None:
    """Six lines of service ``web`` on ``web-1`` in the minute before, then CPU samples crossing 90."""
    now = datetime.now(UTC)
    lines = [
        {
            "timestamp": (now - timedelta(seconds=60 - i)).isoformat(),
            "service": "web",
            "host": "web-1",
            "level": level,
            "message": message.format(i=i % 3),
        }
        for i in range(6)
    ]
    posted = api.request(
        "POST",
        "/logs",
        content="\n".join(json.dumps(line) for line in lines) + "\n",
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert posted.status_code == 202, posted.text
    samples = [
        {
            "name": "cpu_utilization",
            "labels": {"host": "web-1", "service": "web"},
            "timestamp": (now - timedelta(seconds=40 - 10 * i)).isoformat(),
            "value": value,
        }
        for i, value in enumerate([40.0, 96.0, 97.0, 98.0])
    ]
    pushed = api.request(
        "POST", "/metrics/ingest", json={"samples": samples}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert pushed.status_code == 200, pushed.text


def start_with_seed_rule(
    database_url: str,
    tmp_path: Path,
    holdoff_process: StartHoldoff,
    smtp_sink: SmtpSink,
    teams_receiver: TeamsReceiver,
    log_model_dir: Path,
) -> tuple[Api, Callable[[], str]]:
    config = tmp_path / "holdoff.yaml"
    config.write_text(SEED_RULE, encoding="utf-8")
    env = service_env(
        database_url,
        grace=3.0,
        smtp=smtp_sink,
        teams=teams_receiver,
        HOLDOFF_LOGS__CLASSIFIER__MODEL_DIR=log_model_dir,
    )
    holdoff = holdoff_process(env, extra_args=["--config", str(config)])
    return Api(holdoff.url), lambda: holdoff.log_tail(40)


def test_a_metric_anomaly_with_error_logs_around_it_escalates_with_the_top_error_templates(
    database_url: str,
    tmp_path: Path,
    holdoff_process: StartHoldoff,
    smtp_sink: SmtpSink,
    teams_receiver: TeamsReceiver,
    log_model_dir: Path,
) -> None:
    """The seed's path with a real metric anomaly (not a webhook): CPU samples pushed to
    ``POST /metrics/ingest`` cross the threshold; the error lines of the series' service around it are
    the evidence, the route that needs error logs takes the alert, and the email carries the templates."""
    api, describe = start_with_seed_rule(
        database_url, tmp_path, holdoff_process, smtp_sink, teams_receiver, log_model_dir
    )
    push_cpu_anomaly_with_logs(api, "error", "connection refused to db-{i}:5432")

    alert = wait_for(lambda: metric_alert(api, "web-1"), 10, "the anomaly's alert", describe)
    assert alert["state"] == "pending"
    mail = wait_for(
        lambda: next(
            (m for m in smtp_sink.messages if "Anomaly in cpu_utilization" in mail_subject(m)), None
        ),
        15,
        "the escalation email",
        describe,
    )
    text = mail_text(mail)
    assert '"connection refused to <HOST>" (6)' in text
    assert "anomaly score 1.00 (threshold 0.5)" in text
    assert teams_receiver.received == []


def test_the_same_metric_anomaly_with_clean_logs_takes_the_other_branch(
    database_url: str,
    tmp_path: Path,
    holdoff_process: StartHoldoff,
    smtp_sink: SmtpSink,
    teams_receiver: TeamsReceiver,
    log_model_dir: Path,
) -> None:
    """The same CPU anomaly with only routine lines around it: the route for clean logs (Teams) takes
    it, and no email goes out."""
    api, describe = start_with_seed_rule(
        database_url, tmp_path, holdoff_process, smtp_sink, teams_receiver, log_model_dir
    )
    push_cpu_anomaly_with_logs(api, "info", "GET /health 200 in {i} ms")

    alert = wait_for(lambda: metric_alert(api, "web-1"), 10, "the anomaly's alert", describe)
    assert alert["state"] == "pending"
    card = wait_for(
        lambda: next((r for r in teams_receiver.received if "cpu_utilization" in teams_text(r)), None),
        15,
        "the escalation card on Teams",
        describe,
    )
    assert "Anomaly in cpu_utilization" in teams_text(card)
    escalated = api.alert(alert["id"])
    assert escalated["state"] == "escalated"
    assert not [m for m in smtp_sink.messages if "Anomaly in cpu_utilization" in mail_subject(m)]
