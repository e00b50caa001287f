"""Configuration: env, env file, YAML, the POC's names, and errors that name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from holdoff.mediate.model import Severity
from holdoff.notify.email import EmailConfig
from holdoff.notify.teams import TeamsConfig
from holdoff.settings import Settings, load_settings
from holdoff.settings.file import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("HOLDOFF_") or name in ("TEAMS_WEBHOOK_URL", "EMAIL_FROM", "EMAIL_TO"):
            monkeypatch.delenv(name)


def test_defaults_match_the_poc() -> None:
    settings = load_settings()
    assert settings.policy.grace_seconds == 600
    assert (settings.server.host, settings.server.port) == ("127.0.0.1", 5000)
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
    teams, email = settings.channels
    assert isinstance(teams, TeamsConfig) and isinstance(email, EmailConfig)
    assert (teams.name, email.name) == ("teams", "email")
    assert teams.webhook_url.get_secret_value().endswith("sig=SECRET")
    assert email.sender == "alerts@domain.com"
    assert email.recipients == ["alerts@domain.com"]
    assert "SECRET" not in repr(settings)


def test_environment_beats_env_file_beats_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / "holdoff.env"
    env.write_text("HOLDOFF_GRACE_SECONDS=30\nHOLDOFF_SMTP_PORT=2525\n")
    config = tmp_path / "holdoff.yaml"
    config.write_text("grace_seconds: 45\nsmtp_port: 26\nsmtp_host: mail.internal\n")
    monkeypatch.setenv("HOLDOFF_GRACE_SECONDS", "12")
    settings = load_settings(env_file=env, config_file=config)
    assert settings.policy.grace_seconds == 12
    assert settings.channels == []  # SMTP settings alone make no email channel


def test_smtp_names_fill_in_the_email_channel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / "holdoff.env"
    env.write_text("HOLDOFF_SMTP_PORT=2525\nEMAIL_TO=a@x.test\nEMAIL_FROM=h@x.test\n")
    config = tmp_path / "holdoff.yaml"
    config.write_text("smtp_port: 26\nsmtp_host: mail.internal\n")
    (email,) = load_settings(env_file=env, config_file=config).channels
    assert isinstance(email, EmailConfig)
    assert (email.host, email.port) == ("mail.internal", 2525)


def test_email_to_accepts_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMAIL_TO", "a@x.test, b@x.test;c@x.test")
    monkeypatch.setenv("EMAIL_FROM", "holdoff@x.test")
    (email,) = load_settings().channels
    assert isinstance(email, EmailConfig)
    assert email.recipients == ["a@x.test", "b@x.test", "c@x.test"]


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
    monkeypatch.setenv("EMAIL_TO", "oncall@x.test")
    monkeypatch.setenv("EMAIL_FROM", "holdoff@x.test")
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
    monkeypatch.setenv("EMAIL_TO", "oncall@x.test")
    monkeypatch.setenv("EMAIL_FROM", "holdoff@x.test")
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
    assert settings.sources.token_for("alertmanager") == SecretStr("am-token-0123456789")
    assert settings.sources.token_for("grafana") == SecretStr("all-token-0123456789")
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
    assert settings.sources.generic.mapping.id == "check.uid"
    assert settings.sources.generic.mapping.alerts_path == "data.alerts"


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
    (payments,) = settings.policy.routes
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
    )
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=config)
    message = str(info.value)
    assert "routes.0.grace (holdoff.yaml line 5): '10x' is not a duration" in message
    assert "routes.1.match (holdoff.yaml line 7): " in message and "'('" in message


def test_channel_references_are_checked_after_parsing_with_their_lines(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(
        "channels:\n"
        "  - {name: pager, type: webhook, url: 'https://hooks.example/x'}\n"
        "policy:\n"
        "  routes:\n"
        "    - name: web\n"
        "      match: 'team=\"web\"'\n"
        "      channels: {escalated: [pager, pagr]}\n"
        "      escalation:\n"
        "        steps:\n"
        "          - {channels: [email], wait: 5m}\n"
        "          - {channels: [sms], wait: 5m}\n"
        "delivery:\n"
        "  fallback_channel: slack\n"
    )
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=config)
    message = str(info.value)
    known = "known: email, pager, teams"
    assert f"delivery.fallback_channel (holdoff.yaml line 13): unknown channel 'slack'; {known}" in message
    assert (
        f"policy.routes.0.channels.escalated (holdoff.yaml line 7): unknown channel(s) pagr; {known}"
        in message
    )
    assert (
        "policy.routes.0.escalation.steps.1.channels (holdoff.yaml line 11): unknown channel(s) sms"
        in message
    )
    assert "steps.0" not in message  # email is the default route's channel: always a known name


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
    rules = [rule.to_rule() for rule in load_settings(config_file=good).policy.noise_rules]
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


def test_sections_in_yaml_and_nested_environment_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(
        "server: {port: 5050, public_url: 'https://holdoff.example'}\n"
        "policy: {grace_seconds: 120, group_by: [service]}\n"
        "sources:\n  alertmanager: {token: am-token-0123456789}\n  generic: {open: true}\n"
        "delivery: {failure_threshold: 5}\n"
    )
    monkeypatch.setenv("HOLDOFF_POLICY__GRACE_SECONDS", "90")
    monkeypatch.setenv("HOLDOFF_SOURCES__CLOUDWATCH__TOPIC_ARNS", "arn:a, arn:b")
    monkeypatch.setenv("HOLDOFF_SERVER__ALLOWED_HOSTS", '["holdoff.example"]')
    settings = load_settings(config_file=config)
    assert settings.policy.grace_seconds == 90  # the environment beats the file
    assert settings.policy.group_by == ["service"]
    assert settings.server.port == 5050 and settings.server.allowed_hosts == ["holdoff.example"]
    assert settings.resolved_public_url == "https://holdoff.example"
    assert settings.sources.cloudwatch.topic_arns == ["arn:a", "arn:b"]
    assert settings.sources.token_for("alertmanager") == SecretStr("am-token-0123456789")
    assert settings.sources.token_for("grafana") is None
    assert settings.sources.open_on_purpose == {"generic"}
    assert settings.delivery.failure_threshold == 5


def test_a_sectioned_name_beats_a_flat_one_written_in_the_same_place(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text("grace_seconds: 30\npolicy: {grace_seconds: 60}\nport: 6000\n")
    settings = load_settings(config_file=config)
    assert (settings.policy.grace_seconds, settings.server.port) == (60, 6000)


def test_a_nested_variable_error_names_the_variable_and_hides_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOLDOFF_POLICY__GRACE_SECONDS", "-5")
    monkeypatch.setenv("HOLDOFF_SOURCES__GRAFANA__TOKEN", "short-secret")
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert "HOLDOFF_POLICY__GRACE_SECONDS: Input should be greater than or equal to 0 (got '-5')" in message
    assert "HOLDOFF_SOURCES__GRAFANA__TOKEN: the token is shorter than 16 characters" in message
    assert "short-secret" not in message


def test_a_flat_yaml_error_names_the_flat_path_and_line(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text("port: 5000\nsns_topic_arns: 7\ndatabase_url: [1]\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=config)
    message = str(info.value)
    assert "sns_topic_arns (holdoff.yaml line 2): " in message
    assert "database_url (holdoff.yaml line 3): " in message


def test_a_secret_typed_field_is_never_echoed_in_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK", "https://hooks.slack.test/services/T0/B0/s3cr3t")
    config = tmp_path / "holdoff.yaml"
    config.write_text(
        "database: {url: 'postgresql://holdoff:pw-in-url@db/holdoff'}\n"
        "links: {secret: 42}\n"
        "channels:\n  - {name: s, type: slack, webhook_url: '${HOOK}', channel: 7}\n"
    )
    settings_error = None
    try:
        load_settings(config_file=config)
    except ConfigError as exc:
        settings_error = str(exc)
    assert settings_error is not None and "links.secret (holdoff.yaml line 2)" in settings_error
    assert "s3cr3t" not in settings_error and "pw-in-url" not in settings_error


def test_every_source_of_the_registry_has_an_entry_in_the_sources_section() -> None:
    from holdoff.ingest.config import SourcesSection
    from holdoff.ingest.registry import NAMES

    section = SourcesSection()
    assert [name for name, _ in section.entries()] == sorted(NAMES, key=list(NAMES).index)
    assert {name for name, _ in section.entries()} == set(NAMES)


def test_secrets_are_found_by_type_in_every_section() -> None:
    settings = Settings(
        links={"secret": "link-signing-key-0123"},
        sources={"token": "shared-token-0123456789"},
        database={"url": "postgresql+psycopg://holdoff:db-pass@db/holdoff"},
        channels=[{"name": "pd", "type": "pagerduty", "routing_key": "R0UT1NGk3y0f32charsXXXXXXXXXXXXX"}],
    )
    assert set(settings.secrets()) == {
        "link-signing-key-0123",
        "shared-token-0123456789",
        "holdoff:db-pass",
        "R0UT1NGk3y0f32charsXXXXXXXXXXXXX",
    }


def test_a_channel_types_own_secrets_are_masked_too() -> None:
    settings = Settings(
        channels=[
            {
                "name": "hook",
                "type": "webhook",
                "url": "https://hooks.example/in",
                "headers": {"Authorization": "Bearer header-token-0123"},
            }
        ]
    )
    assert "Bearer header-token-0123" in settings.secrets()
