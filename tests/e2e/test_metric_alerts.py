"""Metric anomalies end to end, on SQLite and PostgreSQL: a real Prometheus (Debian's ``prometheus``)
scrapes a local exporter every second and remote-writes to a real ``holdoff serve``. A sustained spike
on one host becomes an alert that is held for the grace window and then escalated by email; a blip on
another host, shorter than the grace window, opens an alert that resolves while held and never pages.

The test configuration uses a threshold detector (``value > 90``), which is ready from its first point,
so the test needs no warm-up; ``resolve_after: 2s`` lets the blip resolve within the 8-second grace
window. Timing: the first samples arrive ~6-8 s after Prometheus starts (its first service-discovery
round), then each scrape within ~1 s; the test takes ~20-25 s per backend.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import Api, mail_subject, mail_text, service_env
from tests.support import prometheus_rw
from tests.support.prometheus_rw import Exporter, RemoteWritingPrometheus
from tests.support.server import StartHoldoff
from tests.support.smtp_sink import SmtpSink

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
