"""The compose stack's Prometheus and Alertmanager configurations, as shipped, with the real Debian
binaries and a real Holdoff: only what docker compose would provide differs (service names become
127.0.0.1 ports, /run/secrets files become files here) and Alertmanager's group timers are shortened."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.deploy.helpers import DEPLOY, RULES
from tests.support import prometheus as prometheus_support
from tests.support.prometheus import AlertmanagerProcess, PrometheusProcess
from tests.support.server import ARTIFACTS_DIRNAME, HoldoffProcess, clean_environment

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

start_alertmanager = prometheus_support.start_alertmanager

COMPOSE_DIR = DEPLOY / "compose"
TOKEN = "ingest-token-0123456789abcdef"
TIMEOUT = 20.0


def poll(what: str, probe: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while (found := probe()) is None:
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {timeout:g}s")
        time.sleep(0.1)
    return found


@dataclass(frozen=True)
class Stack:
    holdoff: HoldoffProcess
    viewer_token: str
    """Made the way the README's quick start makes Prometheus' token: holdoff token create's stdout."""
    data_dir: Path

    def alerts(self) -> list[dict[str, Any]]:
        response = httpx.get(
            f"{self.holdoff.url}/alerts",
            params={"limit": 100},
            headers={"Authorization": f"Bearer {self.viewer_token}"},
            timeout=5.0,
            trust_env=False,
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[Stack]:
    """One Holdoff in protected mode, as in the compose stack: an ingest token for every source, and
    a viewer token made with ``holdoff token create`` before it starts."""
    data_dir = tmp_path_factory.mktemp("holdoff")
    env = {"HOLDOFF_SERVER__DATA_DIR": data_dir, "HOLDOFF_SOURCES__TOKEN": TOKEN}
    made = subprocess.run(
        [sys.executable, "-m", "holdoff", "token", "create", "--role", "viewer", "--name", "prometheus"],
        env=clean_environment(env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    assert len(made.stdout.splitlines()) == 1, "stdout holds the token alone (the quick start captures it)"
    log_dir = pytestconfig.rootpath / ARTIFACTS_DIRNAME / "deploy-compose-stack"
    with HoldoffProcess(env, log_dir) as holdoff:
        yield Stack(holdoff, made.stdout.strip(), data_dir)


def test_shipped_alertmanager_config_delivers_to_holdoff_with_the_ingest_token(
    stack: Stack, start_alertmanager: Callable[..., AlertmanagerProcess], tmp_path: Path
) -> None:
    holdoff = stack.holdoff
    refused = httpx.post(f"{holdoff.url}/webhooks/alertmanager", json={}, timeout=5.0, trust_env=False)
    assert refused.status_code == 401  # without the token Holdoff takes nothing
    token_file = tmp_path / "holdoff_ingest_token"
    token_file.write_text(TOKEN)
    config = yaml.safe_load((COMPOSE_DIR / "alertmanager.yml").read_text())
    config["route"].update(group_wait="1s", group_interval="1s")
    (webhook,) = config["receivers"][0]["webhook_configs"]
    webhook["url"] = webhook["url"].replace("http://holdoff:5000", holdoff.url)
    webhook["http_config"]["authorization"]["credentials_file"] = str(token_file)
    alertmanager = start_alertmanager(config)
    alertmanager.post_alerts([{"labels": {"alertname": "DeployCheckDiskFull", "instance": "db-1"}}])
    stored = poll(
        "Holdoff holds the alert Alertmanager sent",
        lambda: next((a for a in stack.alerts() if a["name"] == "DeployCheckDiskFull"), None),
    )
    assert stored["source"] == "alertmanager" and stored["state"] == "pending"


def test_shipped_prometheus_config_scrapes_holdoff_with_a_viewer_token_and_loads_the_rules(
    stack: Stack, tmp_path: Path
) -> None:
    holdoff = stack.holdoff
    unauthorized = httpx.get(f"{holdoff.url}/metrics", timeout=5.0, trust_env=False)
    assert unauthorized.status_code == 401  # protected mode: /metrics needs the viewer token
    token_file = tmp_path / "holdoff_metrics_token"
    token_file.write_text(stack.viewer_token)

    config = yaml.safe_load((COMPOSE_DIR / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [str(RULES)]
    config.pop("alerting")
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "holdoff"]
    job["static_configs"] = [{"targets": [holdoff.url.removeprefix("http://")]}]
    job["authorization"]["credentials_file"] = str(token_file)
    config["scrape_configs"] = [job]
    # The support class writes a config of its own; the shipped one (placed here) replaces it.
    prometheus = PrometheusProcess(
        scrape_targets=[],
        alertmanagers=[],
        rules=[],
        work_dir=tmp_path / "prometheus",
        log_dir=holdoff.log_dir,
    )
    prometheus.config_path.write_text(yaml.safe_dump(config))
    prometheus.start()
    try:
        prometheus.wait_targets_up(timeout=TIMEOUT)
        groups = prometheus.get_json("/api/v1/rules")["data"]["groups"]
        assert groups and all(group["file"] == str(RULES) for group in groups)
        assert sum(len(group["rules"]) for group in groups) >= 4
    finally:
        prometheus.stop()
