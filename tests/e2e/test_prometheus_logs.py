"""A real Prometheus scrapes a running Holdoff's ``/metrics`` with an API token, as
docs/logs-prometheus.md configures it, and evaluates the shipped rule file
(docs/examples/prometheus/holdoff-logs.rules.yml): ``HoldoffCriticalLogLines`` fires for the service
that logged critical lines, and only for it.

The counts are written with ``holdoff.store.log_counts`` into the database the process serves from
(what the ingest path does per batch). Timing: Prometheus' service discovery hands the target over
after ~5 s; the target is up once a scrape with the token succeeded, which is the critical series'
zero sample; the next scrape and evaluation (1 s each) see the critical lines. About 8 s in all.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
import yaml

from holdoff.auth.access import AccessControl
from holdoff.auth.roles import Role
from holdoff.clock import system_clock
from holdoff.store import log_counts
from holdoff.store.db import Database
from tests.e2e import service_env
from tests.support.databases import migrated_database
from tests.support.prometheus import PrometheusProcess
from tests.support.server import HoldoffProcess, StartHoldoff, artifacts_root

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RULES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "prometheus" / "holdoff-logs.rules.yml"
ALERT = "HoldoffCriticalLogLines"
CRITICAL = 'holdoff_log_lines_total{severity="critical"}'
TIMEOUT = 30.0
INGEST_TOKENS = '{"*": "e2e-ingest-token-not-used"}'

T = TypeVar("T")


class ScrapingHoldoff(PrometheusProcess):
    """Prometheus scraping one Holdoff every second with a bearer token, evaluating ``rule_file``."""

    def __init__(self, *, target: str, token: str, rule_file: Path, work_dir: Path, log_dir: Path) -> None:
        super().__init__(
            scrape_targets=[target], alertmanagers=[], rules=[], work_dir=work_dir, log_dir=log_dir
        )
        config = {
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(rule_file)],
            "scrape_configs": [
                {
                    "job_name": "holdoff",
                    "authorization": {"credentials": token},
                    "static_configs": [{"targets": [target]}],
                }
            ],
        }
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    def query(self, expr: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.get_json(f"/api/v1/query?query={quote(expr)}")["data"]["result"]
        return found


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLite only: the figures are read the same way on PostgreSQL (tests/api/test_prometheus.py)."""
    return migrated_database(request, "sqlite", tmp_path)


@pytest.fixture
def prometheus_for(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., ScrapingHoldoff]]:
    started: list[ScrapingHoldoff] = []
    log_dir = artifacts_root(request.config) / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[:150]

    def start(holdoff: HoldoffProcess, token: str) -> ScrapingHoldoff:
        process = ScrapingHoldoff(
            target=f"{holdoff.host}:{holdoff.port}",
            token=token,
            rule_file=RULES,
            work_dir=tmp_path / "prometheus",
            log_dir=log_dir,
        )
        started.append(process)
        process.start()
        process.wait_targets_up(TIMEOUT)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.stop()


def wait(what: str, probe: Callable[[], T | None], describe: Callable[[], str]) -> T:
    deadline = time.monotonic() + TIMEOUT
    while (found := probe()) is None:
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {TIMEOUT:g}s\n{describe()}")
        time.sleep(0.1)
    return found


def test_the_shipped_rule_fires_on_critical_lines_scraped_from_holdoff(
    sqlite_url: str, holdoff_process: StartHoldoff, prometheus_for: Callable[..., ScrapingHoldoff]
) -> None:
    db = Database(sqlite_url)
    try:
        _, token = AccessControl(db, system_clock, host="127.0.0.1").tokens.create("prometheus", Role.VIEWER)
        with db.transaction() as conn:  # both services have logged: their series exist, at 0 critical
            log_counts.add_totals(conn, {("api", "info"): 120, ("web", "info"): 40})
        # protected mode (a token exists): every alert source needs an ingest token to start
        holdoff = holdoff_process(service_env(sqlite_url, grace=60, HOLDOFF_INGEST_TOKENS=INGEST_TOKENS))
        prometheus = prometheus_for(holdoff, token)  # up: a scrape with the token was answered

        def describe() -> str:
            return (
                f"alerts: {prometheus.alerts()}\n"
                f"series: {prometheus.query('holdoff_log_lines_total')}\n"
                f"--- Prometheus log ---\n{prometheus.log_tail(20)}"
            )

        zero = wait("the critical series at 0", lambda: prometheus.query(CRITICAL) or None, describe)
        assert {(s["metric"]["service"], s["value"][1]) for s in zero} == {("api", "0"), ("web", "0")}
        assert prometheus.alerts() == []

        with db.transaction() as conn:
            log_counts.add_totals(conn, {("api", "critical"): 3, ("api", "info"): 10})

        def firing() -> list[dict[str, Any]] | None:
            found = [a for a in prometheus.alerts() if a["labels"]["alertname"] == ALERT]
            return found if found and all(a["state"] == "firing" for a in found) else None

        (alert,) = wait(f"{ALERT} firing", firing, describe)
        assert alert["labels"] == {
            "alertname": ALERT,
            "job": "holdoff",  # one alert whichever process it was scraped from: no instance label
            "service": "api",
            "severity": "critical",
        }
        assert alert["annotations"]["summary"] == "Critical log lines from api"
    finally:
        db.dispose()
