"""Prometheus -> Alertmanager -> Holdoff, all real processes, on both database backends.

Prometheus scrapes a gauge the test serves (``holdoff_test_value{case=...}``) every second and evaluates
two rules every second (``for: 0s``); Alertmanager groups by ``alertname`` (group_wait and group_interval
1 s, ``send_resolved``) and posts to Holdoff's ``POST /webhooks/alertmanager``. The test flips the gauge
to make a rule fire and to clear it, and checks what Holdoff stored and what the Teams and SMTP
receivers got:

* ``HoldoffE2EOutage`` fires and stays firing: held (pending), escalated by email and Teams when the
  window ends, then cleared: Alertmanager's resolved notification is reported (after_escalation).
* ``HoldoffE2EBlip`` fires and is cleared as soon as Holdoff holds it: it resolves inside the window,
  as transient: one "resolved on its own" Teams message, no email.

Timing: Prometheus' service discovery hands targets over only every 5 s, so the first scrape and the
first alert come ~6-8 s after it starts. A clear reaches Holdoff 1-3 s after the gauge flips (next
scrape, next evaluation, next group_interval flush). The grace window is 5 s, so the blip's clear has
a few seconds of slack on a loaded 2-core machine, and the whole test takes ~20 s per backend.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from tests.e2e import (
    EMAIL_TO,
    Api,
    mail_alert_id,
    mail_subject,
    notifications_by,
    service_env,
    teams_alert_id,
    teams_text,
    teams_title,
    timestamp,
)
from tests.support import metrics_endpoint as metrics_support
from tests.support import prometheus as prometheus_support
from tests.support.metrics_endpoint import MetricsEndpoint
from tests.support.prometheus import AlertmanagerProcess, AlertRule, PrometheusProcess, webhook_config
from tests.support.server import HoldoffProcess, StartHoldoff
from tests.support.settle import wait_until_settled
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# The fixtures of tests/support/metrics_endpoint.py and tests/support/prometheus.py
# (tests/conftest.py is not ours to extend).
metrics_endpoint = metrics_support.metrics_endpoint
start_alertmanager = prometheus_support.start_alertmanager
start_prometheus = prometheus_support.start_prometheus

GRACE = 5.0
METRIC = "holdoff_test_value"
OUTAGE = "HoldoffE2EOutage"
BLIP = "HoldoffE2EBlip"
RULES = [
    AlertRule(
        OUTAGE,
        f'{METRIC}{{case="outage"}} > 0',
        labels={"severity": "critical"},
        annotations={"summary": "Checkout is down"},
    ),
    AlertRule(
        BLIP,
        f'{METRIC}{{case="blip"}} > 0',
        labels={"severity": "warning"},
        annotations={"summary": "Disk latency blip"},
    ),
]
FIRST_ALERT_TIMEOUT = 30.0
"""From the gauge flip to Holdoff holding the alert (includes Prometheus' first scrape)."""
CLEAR_TIMEOUT = 15.0

T = TypeVar("T")


class Stack:
    """The processes of one test, for polling with useful failure messages."""

    def __init__(
        self,
        holdoff: HoldoffProcess,
        alertmanager: AlertmanagerProcess,
        prometheus: PrometheusProcess,
        metrics: MetricsEndpoint,
    ) -> None:
        self.holdoff = holdoff
        self.api = Api(holdoff.url)
        self.alertmanager = alertmanager
        self.prometheus = prometheus
        self.metrics = metrics

    def flip(self, case: str, value: float) -> None:
        self.metrics.set(METRIC, {"case": case}, value)

    def wait(self, what: str, probe: Callable[[], T | None], timeout: float) -> T:
        deadline = time.monotonic() + timeout
        while True:
            found = probe()
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(f"{what}: not within {timeout:g}s\n{self.describe()}")
            time.sleep(0.1)

    def stored(self, name: str) -> dict[str, Any] | None:
        """Holdoff's alert of that name, if it has one."""
        found = [alert for alert in self.api.alerts() if alert["name"] == name]
        assert len(found) <= 1, f"more than one alert named {name}: {found}"
        return found[0] if found else None

    def resolved(self, alert_id: int) -> dict[str, Any] | None:
        """The alert's detail once it is resolved."""
        detail = self.api.alert(alert_id)
        return detail if detail["state"] == "resolved" else None

    def describe(self) -> str:
        parts = [f"Holdoff alerts: {self.api.alerts()}"]
        for label, probe in (
            ("Prometheus alerts", self.prometheus.alerts),
            ("Alertmanager alerts", self.alertmanager.alerts),
        ):
            try:
                parts.append(f"{label}: {probe()}")
            except Exception as exc:
                parts.append(f"{label}: unavailable ({exc})")
        parts.append(f"--- Alertmanager log ---\n{self.alertmanager.log_tail(20)}")
        parts.append(f"--- Holdoff log ---\n{self.holdoff.log_tail(30)}")
        return "\n".join(parts)


def test_rules_firing_through_alertmanager_are_held_escalated_and_resolved(
    database_url: str,
    holdoff_process: StartHoldoff,
    teams_receiver: TeamsReceiver,
    smtp_sink: SmtpSink,
    metrics_endpoint: MetricsEndpoint,
    start_alertmanager: Callable[..., AlertmanagerProcess],
    start_prometheus: Callable[..., PrometheusProcess],
) -> None:
    holdoff = holdoff_process(service_env(database_url, grace=GRACE, teams=teams_receiver, smtp=smtp_sink))
    alertmanager = start_alertmanager(webhook_config(f"{holdoff.url}/webhooks/alertmanager"))
    # Both rules fire from the first scrape on: that saves a scrape cycle.
    metrics_endpoint.set(METRIC, {"case": "outage"}, 1)
    metrics_endpoint.set(METRIC, {"case": "blip"}, 1)
    prometheus = start_prometheus(
        scrape_targets=[metrics_endpoint.target], alertmanagers=[alertmanager.address], rules=RULES
    )
    stack = Stack(holdoff, alertmanager, prometheus, metrics_endpoint)

    # --- the blip: cleared as soon as Holdoff holds it ---
    blip = stack.wait(f"Holdoff holds {BLIP}", lambda: stack.stored(BLIP), FIRST_ALERT_TIMEOUT)
    stack.flip("blip", 0)
    assert blip["state"] == "pending", blip
    outage = stack.wait(f"Holdoff holds {OUTAGE}", lambda: stack.stored(OUTAGE), FIRST_ALERT_TIMEOUT)
    assert outage["state"] == "pending", outage

    # What Holdoff stored: the Alertmanager alert's identity, name, labels and annotations.
    [am_outage] = [a for a in alertmanager.alerts() if a["labels"]["alertname"] == OUTAGE]
    assert (outage["source"], outage["name"]) == ("alertmanager", OUTAGE)
    assert outage["fingerprint"] == am_outage["fingerprint"]
    assert outage["labels"] == {
        "alertname": OUTAGE,
        "case": "outage",
        "instance": metrics_endpoint.target,
        "job": "holdoff-test",
        "severity": "critical",
        "service": "holdoff-test",  # sources.naming: the scrape job names the service; raw labels kept
    }
    assert outage["annotations"] == {"summary": "Checkout is down"}
    assert outage["severity"] == "critical"
    assert outage["links"]["generator"].startswith(prometheus.url), outage["links"]
    assert (outage["occurrence"], outage["repeat_count"], outage["resolution"]) == (1, 0, None)
    assert (blip["source"], blip["labels"]["case"], blip["severity"]) == ("alertmanager", "blip", "warning")

    # --- the blip resolves inside the window: transient ---
    blip = stack.wait(
        f"{BLIP} resolved",
        lambda: stack.resolved(blip["id"]),
        CLEAR_TIMEOUT,
    )
    assert blip["resolution"] == "transient", blip
    assert timestamp(blip["resolved_at"]) < timestamp(blip["opened_at"]) + GRACE
    assert blip["escalated_at"] is None
    assert [e["action"] for e in blip["timeline"]] == ["triggered", "resolved"]
    [transient] = blip["notifications"]
    assert (transient["kind"], transient["channel"]) == ("transient_resolved", "teams")

    # --- the outage escalates when its window ends: one email, one Teams message ---
    opened_at = timestamp(outage["opened_at"])
    [escalation_mail] = smtp_sink.wait_for(1, timeout=GRACE + 15)
    assert escalation_mail.at >= opened_at + GRACE
    assert mail_alert_id(escalation_mail) == outage["id"]
    assert "ESCALATED" in mail_subject(escalation_mail) and OUTAGE in mail_subject(escalation_mail)
    assert escalation_mail.rcpt_tos == [EMAIL_TO]
    cards = teams_receiver.wait_for(2, timeout=10)
    by_alert = {
        alert_id: [c for c in cards if teams_alert_id(c) == alert_id]
        for alert_id in (blip["id"], outage["id"])
    }
    [blip_card] = by_alert[blip["id"]]
    assert teams_title(blip_card) == f"Resolved on its own: {BLIP}"
    assert "Nobody was paged" in teams_text(blip_card)
    [escalation_card] = by_alert[outage["id"]]
    assert teams_title(escalation_card).startswith(f"ESCALATED: {OUTAGE}")
    escalated = stack.api.alert(outage["id"])
    assert escalated["state"] == "escalated", escalated

    # --- the outage clears: Alertmanager's resolved notification is reported ---
    stack.flip("outage", 0)
    outage = stack.wait(
        f"{OUTAGE} resolved",
        lambda: stack.resolved(outage["id"]),
        CLEAR_TIMEOUT,
    )
    assert outage["resolution"] == "after_escalation", outage
    assert [(e["action"], e["state_after"]) for e in outage["timeline"]] == [
        ("triggered", "pending"),
        ("deadline_reached", "escalated"),
        ("resolved", "resolved"),
    ]
    mails = smtp_sink.wait_for(2, timeout=10)
    assert mail_subject(mails[1]).startswith(f"[Holdoff] RESOLVED: {OUTAGE}")
    assert mail_alert_id(mails[1]) == outage["id"]
    cards = teams_receiver.wait_for(3, timeout=10)
    assert teams_alert_id(cards[2]) == outage["id"]
    assert teams_title(cards[2]).startswith(f"RESOLVED: {OUTAGE}")

    # Nothing more: no second email for the blip, no repeated notifications.
    wait_until_settled(database_url)
    outage = stack.api.alert(outage["id"])
    for kind in ("escalated", "resolved"):
        for channel in ("email", "teams"):
            assert [n["status"] for n in notifications_by(outage, kind, channel)] == ["delivered"], outage
    assert len(smtp_sink.messages) == 2
    assert len(teams_receiver.requests) == 3
    assert [mail_alert_id(mail) for mail in smtp_sink.messages] == [outage["id"], outage["id"]]
