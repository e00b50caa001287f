"""Which alert sources are open, when ``serve`` refuses to start, and the configuration's warnings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from holdoff.ingest import KNOWN_SOURCES
from holdoff.settings import Settings, load_settings
from holdoff.settings.file import ConfigError
from holdoff.settings.warnings import (
    SOURCE_ORDER,
    SourceAuth,
    config_warnings,
    ingest_refusal,
    source_access,
)

TOKEN = "t0ken-with-16-chars"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read the environment: only what a test sets counts."""
    import os

    for name in list(os.environ):
        if name.startswith("HOLDOFF_") or name in ("TEAMS_WEBHOOK_URL", "EMAIL_FROM", "EMAIL_TO"):
            monkeypatch.delenv(name)


def auth_of(settings: Settings, *, credentials_exist: bool) -> dict[str, SourceAuth]:
    return {s.name: s.auth for s in source_access(settings, credentials_exist=credentials_exist)}


def codes(settings: Settings, *, credentials_exist: bool = False) -> list[str]:
    return [w.code for w in config_warnings(settings, credentials_exist=credentials_exist)]


def test_every_known_source_is_listed_once() -> None:
    assert sorted(SOURCE_ORDER) == sorted(KNOWN_SOURCES)


def test_open_mode_leaves_every_source_open_without_refusal_or_warning() -> None:
    settings = Settings()  # 127.0.0.1, no tokens: make run
    assert set(auth_of(settings, credentials_exist=False).values()) == {SourceAuth.OPEN_MODE}
    assert ingest_refusal(settings, credentials_exist=False) is None
    assert config_warnings(settings, credentials_exist=False) == []


@pytest.mark.parametrize(
    ("host", "credentials", "because"),
    [
        ("127.0.0.1", True, "API tokens or users exist"),
        ("0.0.0.0", True, "it listens on 0.0.0.0, not a loopback address"),
        ("10.1.2.3", False, "it listens on 10.1.2.3, not a loopback address"),
    ],
)
def test_protected_mode_refuses_sources_without_token_and_says_how_to_fix(
    host: str, credentials: bool, because: str
) -> None:
    settings = Settings(host=host, ingest_tokens={"alertmanager": TOKEN}, open_sources=["generic"])  # type: ignore[arg-type]
    refusal = ingest_refusal(settings, credentials_exist=credentials)
    assert refusal is not None
    assert refusal.startswith(f"refusing to start: Holdoff is in protected mode ({because})")
    assert (
        "accept webhooks without a token: coralogix, grafana, cloudwatch, aws-health, securityhub." in refusal
    )
    assert (
        'HOLDOFF_INGEST_TOKENS=\'{"coralogix":"<16+ chars>","grafana":"<16+ chars>","cloudwatch":"<16+ chars>",'
        '"aws-health":"<16+ chars>","securityhub":"<16+ chars>"}\''
    ) in refusal
    assert 'HOLDOFF_INGEST_TOKENS=\'{"*":"<16+ chars>"}\'' in refusal
    assert '    sources:\n      coralogix: {token: "<16+ chars>"}\n' in refusal
    assert "HOLDOFF_OPEN_SOURCES=coralogix,grafana,cloudwatch,aws-health,securityhub" in refusal
    assert "    sources:\n      coralogix: {open: true}\n      grafana: {open: true}" in refusal
    assert "HOLDOFF_SNS_TOPIC_ARNS" in refusal  # cloudwatch's own way
    assert "alertmanager" not in refusal.split("Either")[0]  # it has a token
    assert "generic" not in refusal  # open on purpose


def test_a_star_token_authenticates_every_source() -> None:
    settings = Settings(host="0.0.0.0", ingest_tokens={"*": TOKEN})  # type: ignore[dict-item]
    assert set(auth_of(settings, credentials_exist=True).values()) == {SourceAuth.BY_TOKEN}
    assert ingest_refusal(settings, credentials_exist=True) is None
    assert "ingest-unauthenticated" not in codes(settings, credentials_exist=True)


def test_each_source_is_classified_by_token_sns_or_open_on_purpose() -> None:
    values = {
        "host": "0.0.0.0",
        "public_url": "https://holdoff.example.com",
        "ingest_tokens": {"alertmanager": TOKEN, "grafana": TOKEN},
        "sns_topic_arns": ["arn:aws:sns:eu-west-1:123456789012:alarms"],
        "sources": {"generic": {"open": True}, "coralogix": {"open": False}},
        "open_sources": ["aws-health", "securityhub"],
    }
    settings = Settings(**values)
    assert auth_of(settings, credentials_exist=True) == {
        "coralogix": SourceAuth.UNAUTHENTICATED,  # open: false is the default
        "alertmanager": SourceAuth.BY_TOKEN,
        "grafana": SourceAuth.BY_TOKEN,
        "cloudwatch": SourceAuth.BY_SNS,
        "aws-health": SourceAuth.OPEN_ON_PURPOSE,
        "securityhub": SourceAuth.OPEN_ON_PURPOSE,
        "generic": SourceAuth.OPEN_ON_PURPOSE,
    }
    refusal = ingest_refusal(settings, credentials_exist=True)
    assert refusal is not None and "without a token: coralogix." in refusal
    closed = Settings(
        **values
        | {
            "sources": {"generic": {"open": True}, "coralogix": {"open": True}},
            "allowed_hosts": ["holdoff.example.com"],
        }
    )
    assert ingest_refusal(closed, credentials_exist=True) is None
    assert codes(closed, credentials_exist=True) == []


def test_a_token_wins_over_open_and_sns_needs_verification_and_topics() -> None:
    settings = Settings(
        host="0.0.0.0",
        ingest_tokens={"generic": TOKEN},  # type: ignore[dict-item]
        open_sources=["generic"],
        sns_verify_signatures=False,
        sns_topic_arns=["arn:aws:sns:eu-west-1:123456789012:alarms"],
    )
    found = auth_of(settings, credentials_exist=True)
    assert found["generic"] is SourceAuth.BY_TOKEN
    assert found["cloudwatch"] is SourceAuth.UNAUTHENTICATED  # signatures off: the topic is not proof
    without_topics = Settings(host="0.0.0.0")
    assert auth_of(without_topics, credentials_exist=True)["cloudwatch"] is SourceAuth.UNAUTHENTICATED


def test_sources_running_open_after_credentials_appear_are_a_warning_with_the_fix() -> None:
    settings = Settings(open_sources=["generic"])
    assert codes(settings, credentials_exist=False) == []
    [warning] = config_warnings(settings, credentials_exist=True)
    assert warning.code == "ingest-unauthenticated"
    assert "protected mode (API tokens or users exist)" in warning.message
    assert "coralogix, alertmanager, grafana, cloudwatch, aws-health, securityhub accept" in warning.message
    assert "the next 'holdoff serve' refuses to start" in warning.message
    assert (
        "HOLDOFF_OPEN_SOURCES=coralogix,alertmanager,grafana,cloudwatch,aws-health,securityhub" in warning.fix
    )
    assert warning.text().startswith(warning.message + " [ingest-unauthenticated]\nEither give each a token")


def test_sns_verification_off_is_a_warning() -> None:
    [warning] = config_warnings(Settings(sns_verify_signatures=False), credentials_exist=False)
    assert warning.code == "sns-signatures-off"
    assert "sns_verify_signatures: false" in warning.message
    assert "HOLDOFF_SNS_VERIFY_SIGNATURES" in warning.message


TEAMS = "https://prod-00.westus.logic.azure.com/workflows/abc"


@pytest.mark.parametrize(
    ("settings", "code", "says"),
    [
        ({}, None, None),
        ({"public_url": "http://localhost:5000"}, None, None),
        (
            {"teams_webhook_url": TEAMS},
            "public-url-loopback",
            "http://127.0.0.1:5000, the reader's own machine",
        ),
        (
            {"email_from": "a@b.example", "email_to": ["c@d.example"]},
            "public-url-loopback",
            "public_url is unset",
        ),
        (
            {"channels": [{"type": "webhook", "name": "hook", "url": "https://hooks.example/x"}]},
            "public-url-loopback",
            "messages go to real channels",
        ),
        (
            {"host": "0.0.0.0", "public_url": "http://127.0.0.1:5000", "ingest_tokens": {"*": TOKEN}},
            "public-url-loopback",
            "public_url is a loopback address, while Holdoff listens on 0.0.0.0",
        ),
        ({"host": "0.0.0.0", "ingest_tokens": {"*": TOKEN}}, "public-url-unset", "(http://0.0.0.0:5000)"),
        ({"teams_webhook_url": TEAMS, "public_url": "https://holdoff.example.com"}, None, None),
        (
            {"host": "0.0.0.0", "public_url": "https://holdoff.example.com", "ingest_tokens": {"*": TOKEN}},
            None,
            None,
        ),
    ],
)
def test_public_url_warning_when_links_would_not_reach_holdoff(
    settings: dict[str, Any], code: str | None, says: str | None
) -> None:
    found = [
        w
        for w in config_warnings(Settings(**settings), credentials_exist=False)
        if w.code.startswith("public-url")
    ]
    assert [w.code for w in found] == ([code] if code else [])
    if says is not None:
        assert says in found[0].message
        assert "set HOLDOFF_PUBLIC_URL (YAML server.public_url)" in found[0].message


def test_open_sources_come_from_the_environment_as_a_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLDOFF_OPEN_SOURCES", "alertmanager, generic")
    settings = load_settings(env_file=None)
    assert settings.sources.open_on_purpose == {"alertmanager", "generic"}


def test_sources_section_in_yaml_marks_sources_open(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text("sources:\n  generic:\n    open: true\n  alertmanager:\n    open: false\n")
    settings = load_settings(config_file=config)
    assert settings.sources.open_on_purpose == {"generic"}


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        (
            "sources:\n  nagios:\n    open: true\n",
            "sources (holdoff.yaml line 1): unknown source 'nagios'; known sources: coralogix, alertmanager,",
        ),
        (
            "sources:\n  generic:\n    opne: true\n",
            "sources.generic.opne (holdoff.yaml line 3): Extra inputs",
        ),
        ("open_sources: ['*']\n", "name each open source; there is no '*' here"),
    ],
)
def test_bad_sources_settings_are_refused_with_where_and_why(tmp_path: Path, yaml: str, message: str) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(yaml)
    with pytest.raises(ConfigError) as raised:
        load_settings(config_file=config)
    assert message in str(raised.value)
