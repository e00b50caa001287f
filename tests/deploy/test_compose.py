"""deploy/compose: the Compose file is valid against the Compose specification's JSON schema (there is
no docker compose here), its services are wired the way the file says, and the Prometheus and
Alertmanager configurations it mounts pass promtool and amtool."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from holdoff.ingest.registry import BY_NAME
from holdoff.settings import load_settings
from tests.deploy.helpers import DASHBOARD, DEPLOY, RULES, token_holdoff_reads

COMPOSE_DIR = DEPLOY / "compose"
COMPOSE = COMPOSE_DIR / "docker-compose.yml"
SAMPLE_ENV = {
    "HOLDOFF_INGEST_TOKEN": "ingest-token-0123456789abcdef",
    "POSTGRES_PASSWORD": "0123456789abcdef",
    "GRAFANA_ADMIN_PASSWORD": "grafana-admin-password",
    "HOLDOFF_METRICS_TOKEN": "hm_viewer_token_made_by_holdoff",
}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}``, as compose resolves them."""

    def one(found: re.Match[str]) -> str:
        name, op, arg = found.group(1), found.group(2), found.group(3) or ""
        value = env.get(name, "")
        if op == ":?" and not value:
            raise AssertionError(f"{name} unset: {arg}")
        if op == ":-" and not value:
            return arg
        return value

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-?])([^}]*))?\}", one, text)


def mounts(service: dict[str, Any]) -> dict[str, Path]:
    """A service's bind mounts of files of this repository: path in the container -> path here."""
    found = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("."):
            found[target] = (COMPOSE_DIR / source).resolve()
    return found


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_services_publish_ports_on_loopback_only_and_have_health_checks() -> None:
    services = compose()["services"]
    assert set(services) == {"holdoff", "postgres", "prometheus", "alertmanager", "grafana"}
    for name, service in services.items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond this host"
        assert service["healthcheck"]["test"][0] == "CMD", name
        assert service["restart"] == "unless-stopped", name
        image = service["image"]
        assert ":" in image and not image.endswith(":latest"), f"{name}: pin the image ({image})"
    assert "ports" not in services["postgres"]
    assert services["holdoff"]["build"] == {"context": "../..", "dockerfile": "deploy/docker/Dockerfile"}
    assert (COMPOSE_DIR / "../../deploy/docker/Dockerfile").is_file()


def test_services_start_in_order_of_what_they_need() -> None:
    services = compose()["services"]
    depends = {name: service.get("depends_on", {}) for name, service in services.items()}
    assert depends["holdoff"] == {"postgres": {"condition": "service_healthy"}}
    assert depends["prometheus"]["holdoff"] == {"condition": "service_started"}
    assert depends["alertmanager"] == {"holdoff": {"condition": "service_started"}}
    assert depends["grafana"] == {"prometheus": {"condition": "service_healthy"}}


def test_holdoff_environment_is_a_valid_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """The holdoff service's variables, interpolated from a filled-in .env, load as Holdoff settings."""
    environment = compose()["services"]["holdoff"]["environment"]
    for name, value in environment.items():
        monkeypatch.setenv(name, interpolate(str(value), SAMPLE_ENV))
    settings = load_settings()
    assert settings.resolved_database_url == (
        f"postgresql+psycopg://holdoff:{SAMPLE_ENV['POSTGRES_PASSWORD']}@postgres:5432/holdoff"
    )
    token = settings.sources.token_for("alertmanager")
    assert token is not None and token.get_secret_value() == SAMPLE_ENV["HOLDOFF_INGEST_TOKEN"]
    assert settings.server.allowed_hosts == ["holdoff"]
    assert settings.channel_names == frozenset()  # TEAMS_WEBHOOK_URL left empty makes no channel


def test_every_file_the_services_mount_is_here() -> None:
    """Including Holdoff's alert rules and dashboard, which live beside the other deploy files."""
    services = compose()["services"]
    for service in services.values():
        for source in mounts(service).values():
            assert source.exists(), source
    assert mounts(services["prometheus"])["/etc/prometheus/rules/holdoff-rules.yml"] == RULES
    dashboards = mounts(services["grafana"])
    assert dashboards["/var/lib/grafana/dashboards/holdoff-dashboard.json"] == DASHBOARD
    assert RULES.is_file() and DASHBOARD.is_file()


def placed(config: Path, service: dict[str, Any], tmp_path: Path, secrets: dict[str, str]) -> Path:
    """``config`` with the container's paths replaced by where those files are here: the service's
    mounts, and its secrets written to files (as compose does under /run/secrets)."""
    text = config.read_text()
    for target, source in mounts(service).items():
        text = text.replace(target, str(source))
    for entry in service.get("secrets", []):
        secret = tmp_path / entry["target"]
        secret.write_text(secrets[entry["source"]])
        text = text.replace(f"/run/secrets/{entry['target']}", str(secret))
    assert "/run/secrets/" not in text and "/etc/prometheus/rules" not in text
    out = tmp_path / config.name
    out.write_text(text)
    return out


COMPOSE_SECRETS = {
    "holdoff_ingest_token": SAMPLE_ENV["HOLDOFF_INGEST_TOKEN"],
    "holdoff_metrics_token": SAMPLE_ENV["HOLDOFF_METRICS_TOKEN"],
}


def test_secrets_come_from_the_env_file_variables() -> None:
    secrets = compose()["secrets"]
    assert secrets == {
        "holdoff_ingest_token": {"environment": "HOLDOFF_INGEST_TOKEN"},
        "holdoff_metrics_token": {"environment": "HOLDOFF_METRICS_TOKEN"},
    }
    example = (COMPOSE_DIR / "example.env").read_text()
    for name in ("HOLDOFF_INGEST_TOKEN", "POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD"):
        assert re.search(rf"^{name}=$", example, re.MULTILINE), name


def test_promtool_accepts_the_prometheus_configuration_and_its_rules(tmp_path: Path) -> None:
    service = compose()["services"]["prometheus"]
    config = placed(COMPOSE_DIR / "prometheus.yml", service, tmp_path, COMPOSE_SECRETS)
    promtool = shutil.which("promtool")
    assert promtool is not None, "promtool comes with Debian's prometheus package (make system-deps)"
    result = subprocess.run(
        [promtool, "check", "config", str(config)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def test_prometheus_scrapes_holdoff_metrics_with_a_token(tmp_path: Path) -> None:
    prometheus = yaml.safe_load((COMPOSE_DIR / "prometheus.yml").read_text())
    (holdoff,) = [job for job in prometheus["scrape_configs"] if job["job_name"] == "holdoff"]
    assert holdoff["metrics_path"] == "/metrics"
    assert holdoff["static_configs"] == [{"targets": ["holdoff:5000"]}]
    assert holdoff["authorization"]["type"] == "Bearer"
    secret = holdoff["authorization"]["credentials_file"]
    assert secret == "/run/secrets/holdoff_metrics_token"
    assert prometheus["rule_files"] == ["/etc/prometheus/rules/holdoff-rules.yml"]
    assert prometheus["alerting"]["alertmanagers"][0]["static_configs"] == [
        {"targets": ["alertmanager:9093"]}
    ]


def test_amtool_accepts_the_alertmanager_configuration(tmp_path: Path) -> None:
    service = compose()["services"]["alertmanager"]
    config = placed(COMPOSE_DIR / "alertmanager.yml", service, tmp_path, COMPOSE_SECRETS)
    amtool = shutil.which("amtool")
    assert amtool is not None, "amtool comes with Debian's prometheus-alertmanager package (make system-deps)"
    result = subprocess.run([amtool, "check-config", str(config)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_alertmanager_posts_to_holdoffs_alertmanager_webhook_with_the_ingest_token() -> None:
    alertmanager = yaml.safe_load((COMPOSE_DIR / "alertmanager.yml").read_text())
    assert alertmanager["route"]["receiver"] == "holdoff"
    (receiver,) = alertmanager["receivers"]
    (webhook,) = receiver["webhook_configs"]
    assert webhook["url"] == f"http://holdoff:5000{BY_NAME['alertmanager'].endpoint}"
    assert webhook["send_resolved"] is True
    authorization = webhook["http_config"]["authorization"]
    assert authorization["credentials_file"] == "/run/secrets/holdoff_ingest_token"
    # Alertmanager sends the file's content as "Authorization: <type> <credentials>": Holdoff reads it.
    header = f"{authorization['type']} {SAMPLE_ENV['HOLDOFF_INGEST_TOKEN']}"
    assert token_holdoff_reads({"Authorization": header}) == SAMPLE_ENV["HOLDOFF_INGEST_TOKEN"]


def test_grafana_provisions_prometheus_and_holdoffs_dashboard() -> None:
    provisioning = COMPOSE_DIR / "grafana" / "provisioning"
    datasources = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())
    (source,) = datasources["datasources"]
    assert (
        source["type"] == "prometheus" and source["url"] == "http://prometheus:9090" and source["isDefault"]
    )
    providers = yaml.safe_load((provisioning / "dashboards" / "holdoff.yml").read_text())
    (provider,) = providers["providers"]
    grafana = compose()["services"]["grafana"]
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    dashboard_dirs = {str(Path(target).parent) for target in mounts(grafana) if target.endswith(".json")}
    assert dashboard_dirs == {provider["options"]["path"]}
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["panels"], "the dashboard has panels"
    # Each panel names the provisioned data source, or a data source variable of type prometheus
    # (file provisioning resolves no ${DS_...} import inputs).
    variables = {
        f"${{{v['name']}}}"
        for v in dashboard.get("templating", {}).get("list", [])
        if v["type"] == "datasource"
    }
    assert all(
        v["query"] == "prometheus" for v in dashboard["templating"]["list"] if v["type"] == "datasource"
    )
    uids = dashboard_datasource_uids(dashboard)
    assert uids and uids <= {source["uid"], *variables}, uids


def dashboard_datasource_uids(node: Any) -> set[str]:
    """Every data source uid the dashboard names (panels, targets, template variables)."""
    found: set[str] = set()
    if isinstance(node, dict):
        datasource = node.get("datasource")
        if isinstance(datasource, dict) and datasource.get("type") == "prometheus" and "uid" in datasource:
            found.add(str(datasource["uid"]))
        for value in node.values():
            found |= dashboard_datasource_uids(value)
    elif isinstance(node, list):
        for value in node:
            found |= dashboard_datasource_uids(value)
    return found
