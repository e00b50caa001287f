"""``GET /metrics``: the text exposition parsed back with prometheus_client's parser, its figures checked
against the rows they are read from, on SQLite and PostgreSQL; a scrape needs a viewer's token."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import prometheus_client
import pytest
import yaml
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from holdoff.api.routes.prometheus import Figures, families
from holdoff.auth.roles import Role
from holdoff.logs.miner import TemplateChange
from holdoff.runtime import Runtime
from holdoff.store import log_counts, log_templates
from holdoff.store import metrics as alert_metrics
from tests.api.access_support import Secured, secured_app
from tests.support.prometheus import INSTALL_HINT, PROMETHEUS_BINARY

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def secured(database_url: str) -> Iterator[Secured]:
    with secured_app(database_url) as made:
        yield made


def runtime_of(secured: Secured) -> Runtime:
    runtime: Runtime = secured.client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def scrape(secured: Secured, role: Role = Role.VIEWER) -> Samples:
    response = secured.client.get("/metrics", headers=secured.auth(role))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    return samples(response.text)


def samples(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return found


def lines_total(found: Samples) -> dict[tuple[str, str], float]:
    return {
        (dict(labels)["service"], dict(labels)["severity"]): value
        for (name, labels), value in found.items()
        if name == "holdoff_log_lines_total"
    }


def record_lines(secured: Secured, totals: dict[tuple[str, str], int]) -> None:
    with runtime_of(secured).db.transaction() as conn:
        log_counts.add_totals(conn, totals)


def test_a_scrape_without_a_token_is_refused(secured: Secured) -> None:
    response = secured.client.get("/metrics")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_log_lines_total_counts_what_log_totals_holds_with_every_severity_of_a_service(
    secured: Secured,
) -> None:
    assert lines_total(scrape(secured)) == {}
    record_lines(secured, {("api", "critical"): 2, ("api", "info"): 40, ("web", "error"): 3})
    record_lines(secured, {("api", "critical"): 1})
    with runtime_of(secured).db.read() as conn:
        stored = log_counts.totals(conn)
    found = lines_total(scrape(secured))
    assert {key: value for key, value in found.items() if value} == stored
    assert stored[("api", "critical")] == 3
    # a series exists from the service's first line on, so increase() sees the first critical line
    assert set(found) == {
        (service, severity)
        for service in ("api", "web")
        for severity in ("debug", "info", "warning", "error", "critical")
    }
    assert found[("web", "critical")] == 0


def test_open_alerts_by_state_and_templates_known_match_their_rows(secured: Secured) -> None:
    secured.alert("cpu-1")
    secured.alert("disk-2")
    db = runtime_of(secured).db
    with db.transaction() as conn:
        log_templates.upsert(
            conn,
            [
                TemplateChange(name, "x <*>", "x <*>", "x <NUM>", 1, T0, T0, merged)
                for name, merged in (("a", None), ("b", "a"), ("c", None))
            ],
        )
    found = scrape(secured)
    with db.read() as conn:
        states = alert_metrics.state_counts(conn)
    alerts = {
        dict(labels)["state"]: value for (name, labels), value in found.items() if name == "holdoff_alerts"
    }
    assert alerts == {
        state: states[state] for state in ("acknowledged", "escalated", "pending", "suppressed")
    }
    assert alerts["pending"] == 2
    assert found["holdoff_log_templates", ()] == 2
    assert [name for name, _ in found if name == "holdoff_build_info"] == ["holdoff_build_info"]


def test_another_process_on_the_same_database_answers_the_same(database_url: str) -> None:
    """Nothing is counted in process memory: a second app (another process, or this one restarted)
    reads the same figures, and nothing lands in prometheus_client's global registry."""
    with secured_app(database_url) as first:
        record_lines(first, {("api", "critical"): 5, ("api", "warning"): 1})
        token = first.tokens[Role.VIEWER]
        before = scrape(first)
    with secured_app(database_url, credentials=False) as second:
        second.tokens[Role.VIEWER] = token
        assert scrape(second) == before
    assert lines_total(before)[("api", "critical")] == 5
    assert not [
        name for name in prometheus_client.REGISTRY._names_to_collectors if name.startswith("holdoff")
    ]


def test_families_are_pure_and_name_each_metric_once() -> None:
    figures = Figures(log_lines={("svc", "error"): 7}, alerts={"pending": 1, "resolved": 9}, templates=4)
    text = prometheus_client.exposition.generate_latest(_Fixed(figures)).decode()
    found = samples(text)
    assert found["holdoff_log_lines_total", (("service", "svc"), ("severity", "error"))] == 7
    assert ("holdoff_alerts", (("state", "resolved"),)) not in found  # open states only
    assert found["holdoff_alerts", (("state", "pending"),)] == 1
    assert [family.name for family in text_string_to_metric_families(text)] == [
        "holdoff_log_lines",
        "holdoff_alerts",
        "holdoff_log_templates",
        "holdoff_build_info",
    ]


class _Fixed:
    def __init__(self, figures: Figures) -> None:
        self.figures = figures

    def collect(self) -> Iterator[prometheus_client.Metric]:
        yield from families(self.figures)


# --------------------------------------------------------------------------- the shipped examples

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
RULES = EXAMPLES / "prometheus" / "holdoff-logs.rules.yml"
RULE_TESTS = EXAMPLES / "prometheus" / "holdoff-logs.test.yml"
PANEL = EXAMPLES / "grafana" / "holdoff-logs-panel.json"
GRAFANA_RULES = EXAMPLES / "grafana" / "holdoff-logs-alerting.yml"
PROMTOOL = PROMETHEUS_BINARY.with_name("promtool")
METRIC = re.compile(r"\b(holdoff_[a-z_]+)\s*[{\[]")


def promtool(*args: str) -> str:
    assert PROMTOOL.exists(), f"{PROMTOOL} not found; " + INSTALL_HINT.format(package="prometheus")
    done = subprocess.run([str(PROMTOOL), *args], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def rule_exprs() -> dict[str, str]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return {rule["alert"]: rule["expr"] for group in groups for rule in group["rules"]}


def grafana_exprs() -> list[str]:
    """Every Prometheus query of the panel and of the Grafana alert rule on it."""
    panel = json.loads(PANEL.read_text(encoding="utf-8"))
    (timeseries,) = panel["panels"]
    assert timeseries["type"] == "timeseries"
    queries = [target["expr"] for target in timeseries["targets"]]
    groups = yaml.safe_load(GRAFANA_RULES.read_text(encoding="utf-8"))["groups"]
    (rule,) = [rule for group in groups for rule in group["rules"]]
    assert rule["annotations"] == {
        **rule["annotations"],
        "__dashboardUid__": panel["uid"],
        "__panelId__": "1",
    }
    assert timeseries["id"] == 1
    queries += [query["model"]["expr"] for query in rule["data"] if query["datasourceUid"] != "__expr__"]
    (threshold,) = [query["model"] for query in rule["data"] if query["refId"] == rule["condition"]]
    assert threshold["conditions"][0]["evaluator"] == {"type": "gt", "params": [0]}
    return queries


def test_the_example_rules_pass_promtool_check_and_their_unit_tests() -> None:
    assert "SUCCESS: 2 rules found" in promtool("check", "rules", str(RULES))
    assert "SUCCESS" in promtool("test", "rules", str(RULE_TESTS))


def test_the_grafana_panel_and_its_alert_query_what_the_critical_rule_does() -> None:
    queries = grafana_exprs()
    assert len(queries) == 2
    for query in queries:  # the rule is the panel's query above 0, character for character
        assert f"{query} > 0" == rule_exprs()["HoldoffCriticalLogLines"]


def test_every_metric_the_examples_name_is_served(secured: Secured) -> None:
    record_lines(secured, {("api", "info"): 1})
    served = {name for name, _ in scrape(secured)}
    named = {name for expr in [*rule_exprs().values(), *grafana_exprs()] for name in METRIC.findall(expr)}
    assert named == {"holdoff_log_lines_total"}
    assert named <= served
