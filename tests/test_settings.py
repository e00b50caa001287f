"""Configuration: env, env file, YAML, the POC's names, and errors that name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from holdoff.config_file import ConfigError
from holdoff.mediate.model import Severity
from holdoff.settings import load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("HOLDOFF_") or name in ("TEAMS_WEBHOOK_URL", "EMAIL_FROM", "EMAIL_TO"):
            monkeypatch.delenv(name)


def test_defaults_match_the_poc() -> None:
    settings = load_settings()
    assert settings.grace_seconds == 600
    assert (settings.host, settings.port) == ("127.0.0.1", 5000)
    assert settings.resolved_database_url == "sqlite:///var/holdoff.db"
    assert settings.resolved_public_url == "http://127.0.0.1:5000"


def test_poc_env_file_works_unchanged(tmp_path: Path) -> None:
    env = tmp_path / "aiops.env"
    env.write_text(
        "CORALOGIX_API_KEY=xxxxx\n"
        "CORALOGIX_API_BASE=https://api.ap1.coralogix.com\n"
        "TEAMS_WEBHOOK_URL=https://prod-00.westus.logic.azure.com/workflows/abc?sig=SECRET\n"
        "EMAIL_FROM=alerts@domain.com\n"
        "EMAIL_TO=alerts@domain.com\n"
    )
    settings = load_settings(env_file=env)
    assert settings.teams_webhook_url is not None
    assert settings.teams_webhook_url.get_secret_value().endswith("sig=SECRET")
    assert settings.email_from == "alerts@domain.com"
    assert settings.email_to == ["alerts@domain.com"]
    assert "SECRET" not in repr(settings)


def test_environment_beats_env_file_beats_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / "holdoff.env"
    env.write_text("HOLDOFF_GRACE_SECONDS=30\nHOLDOFF_SMTP_PORT=2525\n")
    config = tmp_path / "holdoff.yaml"
    config.write_text("grace_seconds: 45\nsmtp_port: 26\nsmtp_host: mail.internal\n")
    monkeypatch.setenv("HOLDOFF_GRACE_SECONDS", "12")
    settings = load_settings(env_file=env, config_file=config)
    assert settings.grace_seconds == 12
    assert settings.smtp_port == 2525
    assert settings.smtp_host == "mail.internal"


def test_email_to_accepts_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMAIL_TO", "a@x.test, b@x.test;c@x.test")
    monkeypatch.setenv("EMAIL_FROM", "holdoff@x.test")
    assert load_settings().email_to == ["a@x.test", "b@x.test", "c@x.test"]


def test_invalid_value_names_the_setting_and_the_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLDOFF_GRACE_SECONDS", "ten minutes")
    with pytest.raises(ConfigError, match=r"HOLDOFF_GRACE_SECONDS: .*number.*'ten minutes'"):
        load_settings()


def test_negative_grace_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLDOFF_GRACE_SECONDS", "-1")
    with pytest.raises(ConfigError, match="HOLDOFF_GRACE_SECONDS"):
        load_settings()


def test_bad_teams_url_names_the_poc_alias_and_hides_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", "ftp://example/secret-sig")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "TEAMS_WEBHOOK_URL" in str(info.value)
    assert "secret-sig" not in str(info.value)


def test_email_to_without_sender_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMAIL_TO", "oncall@x.test")
    with pytest.raises(ConfigError, match="EMAIL_FROM"):
        load_settings()


def test_ssl_and_starttls_together_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLDOFF_SMTP_SSL", "true")
    monkeypatch.setenv("HOLDOFF_SMTP_STARTTLS", "true")
    with pytest.raises(ConfigError, match="STARTTLS"):
        load_settings()


def test_missing_env_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(env_file=tmp_path / "nope.env")


def test_yaml_errors_give_the_line(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text("grace_seconds: 10\nport: [1,\n")
    with pytest.raises(ConfigError, match="line 3"):
        load_settings(config_file=config)


def test_unknown_yaml_setting_is_reported(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text("grace_secs: 10\n")
    with pytest.raises(ConfigError, match=r"unknown setting.*grace_secs"):
        load_settings(config_file=config)


def test_secrets_lists_values_to_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", "https://x.test/hook?sig=abcdef")
    monkeypatch.setenv("HOLDOFF_SMTP_USERNAME", "bot")
    monkeypatch.setenv("HOLDOFF_SMTP_PASSWORD", "hunter22")
    monkeypatch.setenv("HOLDOFF_DATABASE_URL", "postgresql+psycopg://holdoff:dbpass@db/holdoff")
    secrets = load_settings().secrets()
    assert "hunter22" in secrets
    assert "https://x.test/hook?sig=abcdef" in secrets
    assert any("dbpass" in s for s in secrets)


def test_ingest_tokens_from_json_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "HOLDOFF_INGEST_TOKENS", '{"alertmanager": "am-token-0123456789", "*": "all-token-0123456789"}'
    )
    settings = load_settings()
    assert settings.ingest_tokens["alertmanager"].get_secret_value() == "am-token-0123456789"
    assert "am-token-0123456789" in settings.secrets()


def test_ingest_token_for_an_unknown_source_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLDOFF_INGEST_TOKENS", '{"alertmanger": "am-token-0123456789"}')
    with pytest.raises(ConfigError, match=r"HOLDOFF_INGEST_TOKENS: unknown source 'alertmanger'") as info:
        load_settings()
    assert "am-token-0123456789" not in str(info.value)


def test_short_ingest_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLDOFF_INGEST_TOKENS", '{"grafana": "short"}')
    with pytest.raises(ConfigError, match="shorter than 16"):
        load_settings()


def test_generic_mapping_from_yaml(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text("generic:\n  id: check.uid\n  alerts_path: data.alerts\n")
    settings = load_settings(config_file=config)
    assert settings.generic.id == "check.uid"
    assert settings.generic.alerts_path == "data.alerts"


def test_routes_from_yaml_become_the_policy_tree(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(
        "routes:\n"
        "  - name: payments\n"
        "    match: '{team=\"payments\"}'\n"
        "    grace: 5m\n"
        "    channels:\n"
        "      escalated: [email]\n"
        "    routes:\n"
        "      - name: critical\n"
        "        match: ['severity=\"critical\"']\n"
        "        grace: 30\n"
    )
    settings = load_settings(config_file=config)
    (payments,) = settings.routes
    assert payments.grace is not None and payments.grace.total_seconds() == 300
    assert payments.routes[0].grace is not None and payments.routes[0].grace.total_seconds() == 30


def test_route_errors_give_the_yaml_path_and_line(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(
        "grace_seconds: 60\n"
        "routes:\n"
        "  - name: payments\n"
        "    match: '{team=\"payments\"}'\n"
        "    grace: 10x\n"
        "  - name: web\n"
        "    match: 'team=~\"(\"'\n"
        "    channels: {escalated: [pager]}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=config)
    message = str(info.value)
    assert "routes.0.grace (holdoff.yaml line 5): '10x' is not a duration" in message
    assert "routes.1.match (holdoff.yaml line 7): " in message and "'('" in message
    assert "routes.1.channels (holdoff.yaml line 8): unknown channel(s) pager" in message


def test_duplicate_route_names_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text("routes:\n  - {name: a, match: 'x=\"1\"'}\n  - {name: a, match: 'x=\"2\"'}\n")
    with pytest.raises(ConfigError, match="used twice"):
        load_settings(config_file=config)


def test_unknown_yaml_setting_names_its_line(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text("grace_seconds: 10\nroute:\n  - name: a\n")
    with pytest.raises(ConfigError, match=r"unknown setting\(s\): route \(line 2\)"):
        load_settings(config_file=config)


def test_noise_rules_from_yaml_and_their_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "noise_rules:\n"
        "  - {name: quiet, match: '{severity=\"low\"}', action: drop}\n"
        "  - {name: cpu, match: '{alertname=~\"CPU.*\"}', action: severity, severity: warning}\n"
    )
    rules = [rule.to_rule() for rule in load_settings(config_file=good).noise_rules]
    assert [(r.name, r.action.value, r.severity) for r in rules] == [
        ("quiet", "drop", None),
        ("cpu", "severity", Severity.WARNING),
    ]
    bad = tmp_path / "bad.yaml"
    bad.write_text("noise_rules:\n  - name: cpu\n    match: 'x=\"1\"'\n    action: severity\n")
    with pytest.raises(
        ConfigError, match=r"noise_rules\.0 \(bad\.yaml line 2\): action: severity needs severity"
    ):
        load_settings(config_file=bad)
