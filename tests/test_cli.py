"""The ``holdoff`` command: version, check-config, and a start refused on bad configuration."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from holdoff import __version__


def holdoff(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOFF_")}
    return subprocess.run(
        [sys.executable, "-m", "holdoff", *args],
        env={**base, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_version_prints_the_package_version() -> None:
    result = holdoff("version")
    assert result.returncode == 0
    assert result.stdout.strip() == __version__


def test_check_config_describes_channels_without_secrets(tmp_path: Path) -> None:
    env_file = tmp_path / "aiops.env"
    env_file.write_text(
        "TEAMS_WEBHOOK_URL=https://prod-00.westus.logic.azure.com/workflows/abc?sig=TOPSECRET\n"
        "EMAIL_FROM=alerts@domain.com\nEMAIL_TO=oncall@domain.com\n"
    )
    result = holdoff("check-config", "--env-file", str(env_file))
    assert result.returncode == 0, result.stderr
    assert "configuration OK" in result.stdout
    assert "prod-00.westus.logic.azure.com" in result.stdout
    assert "TOPSECRET" not in result.stdout + result.stderr


def test_check_config_says_what_correlation_reads(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text("correlation:\n  window: 5m\n  topology:\n    checkout: [payments, cart]\n")
    result = holdoff("check-config", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "correlation on: within 5m, score >= 0.5; topology of 3 services;" in result.stdout
    config.write_text("correlation:\n  enabled: false\n")
    result = holdoff("check-config", "--config", str(config))
    assert "correlation off (every incident group pages on its own)" in result.stdout


def test_serve_refuses_to_start_on_invalid_configuration_with_one_message(tmp_path: Path) -> None:
    result = holdoff("serve", env={"HOLDOFF_GRACE_SECONDS": "soon"}, cwd=tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "HOLDOFF_GRACE_SECONDS" in lines[0]
    assert not (tmp_path / "var").exists()


def test_check_config_describes_grouping_quiet_hours_and_digest(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(
        "group_by: [cluster]\n"
        "quiet_hours: {cron: '0 22 * * *', duration: 9h, page: [critical, high]}\n"
        "transient: digest\n"
        "routes:\n"
        "  - name: solo\n"
        "    match: '{team=\"solo\"}'\n"
        "    group_by: []\n"
    )
    result = holdoff("check-config", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "policy    grouping: by cluster (first message after 30s, then at most every 5m)" in result.stdout
    assert "policy    quiet hours: 0 22 * * * for 9h (UTC); critical, high still page" in result.stdout
    assert "policy    digest: every 1h; transient posts: digest" in result.stdout
    assert 'route     solo: {team="solo"} group by nothing (one incident per alert)' in result.stdout


INGEST_TOKEN = "am-token-0123456789"


def _create_token(cwd: Path) -> None:
    """An admin API token in ``cwd``'s default database (var/holdoff.db): Holdoff is protected from now on."""
    result = holdoff("token", "create", "--role", "admin", "--name", "me", cwd=cwd)
    assert result.returncode == 0, result.stderr


def test_serve_refuses_protected_mode_while_sources_take_webhooks_without_a_token(tmp_path: Path) -> None:
    _create_token(tmp_path)
    result = holdoff(
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "1",  # never bound: the refusal comes first
        env={
            "HOLDOFF_INGEST_TOKENS": f'{{"alertmanager":"{INGEST_TOKEN}"}}',
            "HOLDOFF_OPEN_SOURCES": "generic",
        },
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    message = result.stderr
    assert message.startswith(
        "holdoff: refusing to start: Holdoff is in protected mode (it listens on 0.0.0.0"
    )
    open_ones = "coralogix, grafana, cloudwatch, aws-health, securityhub"
    assert f"these alert sources accept webhooks without a token: {open_ones}." in message
    assert 'HOLDOFF_INGEST_TOKENS=\'{"coralogix":"<16+ chars>","grafana":"<16+ chars>",' in message
    assert "HOLDOFF_OPEN_SOURCES=coralogix,grafana,cloudwatch,aws-health,securityhub" in message
    assert "sources:\n      coralogix: {open: true}" in message
    assert INGEST_TOKEN not in message


def test_serve_refuses_on_loopback_too_once_credentials_exist(tmp_path: Path) -> None:
    _create_token(tmp_path)
    result = holdoff("serve", "--port", "1", cwd=tmp_path)
    assert result.returncode == 2
    assert "protected mode (API tokens or users exist)" in result.stderr
    assert "coralogix, alertmanager, grafana, cloudwatch, aws-health, securityhub, generic." in result.stderr


def test_start_check_passes_when_every_source_has_a_token_or_is_open_and_logs_warnings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from holdoff.auth.access import check_start
    from holdoff.settings import Settings

    _create_token(tmp_path)
    database = f"sqlite:///{tmp_path / 'var' / 'holdoff.db'}"
    settings = Settings(
        database_url=database,
        host="0.0.0.0",
        ingest_tokens={"coralogix": INGEST_TOKEN, "alertmanager": INGEST_TOKEN},  # type: ignore[dict-item]
        open_sources=["grafana", "cloudwatch", "aws-health"],
        sources={"securityhub": {"open": True}, "generic": {"open": True}},  # type: ignore[dict-item]
        sns_verify_signatures=False,
    )
    with caplog.at_level(logging.INFO, logger="holdoff.auth.access"):
        assert check_start(settings) is None
    logged = caplog.text
    assert (
        "alert sources open on purpose (no token): grafana, cloudwatch, aws-health, securityhub, generic"
        in logged
    )
    assert "[sns-signatures-off]" in logged and "[public-url-unset]" in logged
    assert "OPEN MODE" not in logged


def test_check_config_reports_open_sources_and_warnings_without_creating_the_database(tmp_path: Path) -> None:
    result = holdoff(
        "check-config",
        env={
            "HOLDOFF_HOST": "0.0.0.0",
            "HOLDOFF_INGEST_TOKENS": f'{{"alertmanager":"{INGEST_TOKEN}"}}',
            "HOLDOFF_OPEN_SOURCES": "generic",
            "HOLDOFF_SNS_VERIFY_SIGNATURES": "false",
        },
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "  access:   protected mode (0.0.0.0 is not a loopback address)" in out
    assert "  source    alertmanager (/webhooks/alertmanager): authenticated by token" in out
    assert "  source    generic (/webhooks/generic): open on purpose (sources.generic.open" in out
    assert "  source    coralogix (/coralogix/webhook): OPEN without a token in protected mode" in out
    assert "  warning   [ingest-unauthenticated] Holdoff is in protected mode (it listens on 0.0.0.0" in out
    assert "            HOLDOFF_OPEN_SOURCES=coralogix,grafana,cloudwatch,aws-health,securityhub" in out
    assert "  warning   [sns-signatures-off] SNS signature verification is off" in out
    assert "  warning   [public-url-unset] public_url is unset" in out
    assert INGEST_TOKEN not in out + result.stderr
    assert not (tmp_path / "var").exists()  # check-config reads the database, never creates it


def test_check_config_tells_open_mode_from_protected_mode_by_the_credentials_in_the_database(
    tmp_path: Path,
) -> None:
    before = holdoff("check-config", cwd=tmp_path)
    assert before.returncode == 0, before.stderr
    assert "  access:   open mode (loopback, no API token or user)" in before.stdout
    assert "generic (/webhooks/generic): open because Holdoff runs in open mode" in before.stdout
    assert "warning" not in before.stdout

    _create_token(tmp_path)
    after = holdoff("check-config", cwd=tmp_path)
    assert after.returncode == 0, after.stderr
    assert "  access:   protected mode (API tokens or users exist)" in after.stdout
    assert "generic (/webhooks/generic): OPEN without a token in protected mode" in after.stdout
    assert (
        "  warning   [ingest-unauthenticated] Holdoff is in protected mode (API tokens or users exist)"
        in (after.stdout)
    )
