"""The shipped Prometheus rules pass ``promtool check rules`` and their unit tests; the Grafana
dashboard is valid JSON whose every query names only metrics a real ``GET /metrics`` serves."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from holdoff.store import log_counts
from tests.support.prometheus import INSTALL_HINT, PROMETHEUS_BINARY
from tests.telemetry.support import BUSY, OK, ScriptedChannel, scripted_app

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
RULES = DEPLOY / "prometheus" / "holdoff-rules.yml"
RULE_TESTS = DEPLOY / "prometheus" / "holdoff-rules.test.yml"
DASHBOARD = DEPLOY / "grafana" / "holdoff-dashboard.json"
PROMTOOL = PROMETHEUS_BINARY.with_name("promtool")
METRIC = re.compile(r"\bholdoff_\w+")
DETECTORS = [
    {"name": "cpu", "match": "cpu_usage", "detectors": [{"type": "threshold", "op": ">", "value": 90}]}
]


def promtool(*args: str) -> str:
    assert PROMTOOL.exists(), f"{PROMTOOL} not found; " + INSTALL_HINT.format(package="prometheus")
    done = subprocess.run(
        [str(PROMTOOL), *args], capture_output=True, text=True, timeout=60, check=False, cwd=RULES.parent
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def rule_exprs() -> dict[str, str]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return {rule["alert"]: rule["expr"] for group in groups for rule in group["rules"]}


def dashboard_exprs(node: Any) -> list[str]:
    """Every query of the dashboard: panel targets and template variables."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("expr", "definition") and isinstance(value, str):
                found.append(value)
            else:
                found += dashboard_exprs(value)
    elif isinstance(node, list):
        for value in node:
            found += dashboard_exprs(value)
    return found


def test_the_rules_pass_promtool_check_and_their_unit_tests() -> None:
    assert "SUCCESS: 6 rules found" in promtool("check", "rules", RULES.name)
    assert "SUCCESS" in promtool("test", "rules", RULE_TESTS.name)


def test_the_rules_cover_outbox_channels_scheduler_process_down_and_database_errors() -> None:
    exprs = rule_exprs()
    assert set(exprs) == {
        "HoldoffDown",
        "HoldoffAbsent",
        "HoldoffOutboxBackingUp",
        "HoldoffChannelFailing",
        "HoldoffSchedulerLagging",
        "HoldoffDatabaseErrors",
    }
    assert "up{" in exprs["HoldoffDown"] and "absent(up{" in exprs["HoldoffAbsent"]
    tests = RULE_TESTS.read_text(encoding="utf-8")
    for alert in exprs:  # every rule has a unit test that expects it to fire
        assert f"alertname: {alert}\n" in tests, alert


def test_the_dashboard_is_grafana_json_with_a_query_on_each_panel() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["uid"] == "holdoff" and dashboard["schemaVersion"] >= 36
    panels = dashboard["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in panels:
        assert panel["targets"] and all(target["expr"] for target in panel["targets"]), panel["title"]
    titles = " ".join(panel["title"].lower() for panel in panels)
    for topic in ("received", "decisions", "sent", "failures", "latency", "scheduler", "outbox", "database"):
        assert topic in titles, topic


def test_every_metric_the_rules_and_the_dashboard_name_is_served(database_url: str) -> None:
    channels = {"teams": ScriptedChannel(OK), "email": ScriptedChannel(BUSY)}
    with scripted_app(database_url, channels, detectors=DETECTORS) as app:
        body = {"alert_id": "cpu-1", "alert_name": "CPU", "alert_action": "TRIGGERED"}
        assert app.client.post("/coralogix/webhook", json=body).status_code == 202
        app.clock.advance(601)
        app.runtime.mediator.fire_due()
        app.runtime.sender.run_once()  # one sent, one failed: every histogram has an observation
        with app.runtime.db.transaction() as conn:
            log_counts.add_totals(conn, {("api", "info"): 1})
        served = {name for name, _ in app.scrape()}
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    named = {
        name
        for expr in [*rule_exprs().values(), *dashboard_exprs(dashboard)]
        for name in METRIC.findall(expr)
    }
    assert len(named) >= 12
    assert named <= served, named - served
