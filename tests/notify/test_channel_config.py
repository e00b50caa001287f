"""The ``channels:`` section: types by name, ``${VAR}`` secrets, names routes can use, errors with lines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from holdoff.notify.registry import build_channels, describe_channels
from holdoff.notify.teams import TeamsConfig
from holdoff.settings import load_settings
from holdoff.settings.file import ConfigError

CHANNELS = """\
channels:
  - name: ops-slack
    type: slack
    webhook_url: ${SLACK_HOOK}
  - name: pager
    type: pagerduty
    routing_key: ${PD_KEY}
  - name: hooks
    type: webhook
    url: https://hooks.example.test/in/${HOOK_TOKEN}
routes:
  - name: db
    match: '{team="db"}'
    channels: {escalated: [pager, ops-slack], resolved: [pager]}
fallback_channel: ops-slack
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("HOLDOFF_") or name in ("SLACK_HOOK", "PD_KEY", "HOOK_TOKEN", "TEAMS_WEBHOOK_URL"):
            monkeypatch.delenv(name)


def test_channels_are_built_by_type_with_secrets_from_the_env_file(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(CHANNELS)
    env = tmp_path / "holdoff.env"
    env.write_text(
        "SLACK_HOOK=https://hooks.slack.test/services/T0/B0/s3cr3t\n"
        "PD_KEY=R0UT1NGk3y0f32charsXXXXXXXXXXXXX\nHOOK_TOKEN=t0k3n\n"
    )
    settings = load_settings(env_file=env, config_file=config)
    channels = build_channels(settings.channels, settings.delivery.templates_dir)
    assert sorted(channels) == ["hooks", "ops-slack", "pager"]
    assert channels["ops-slack"].rate_per_second == 1.0
    lines = describe_channels(settings.channels)
    assert "ops-slack: slack (hooks.slack.test, slack.com)" in lines
    assert "hooks: webhook (hooks.example.test)" in lines
    assert not any("s3cr3t" in line or "t0k3n" in line for line in lines)
    assert "s3cr3t" not in repr(settings) and "R0UT1NG" not in repr(settings)
    assert {"https://hooks.slack.test/services/T0/B0/s3cr3t", "R0UT1NGk3y0f32charsXXXXXXXXXXXXX"} <= set(
        settings.secrets()
    )
    for channel in channels.values():
        channel.close()


def test_a_channel_named_like_one_the_poc_names_make_must_be_of_its_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text("channels:\n  - {name: teams, type: webhook, url: 'https://a.test/'}\n")
    (entry,) = load_settings(config_file=config).channels  # a webhook may be called teams ...
    assert entry.type == "webhook"
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", "https://prod.example/workflows/x?sig=abc")
    with pytest.raises(ConfigError, match=r"named 'teams' of type 'webhook'.*rename the entry"):
        load_settings(config_file=config)  # ... unless TEAMS_WEBHOOK_URL makes a Teams channel of that name


def test_the_poc_names_fill_in_a_channel_of_their_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(
        "channels:\n  - {name: teams, type: teams, webhook_url: 'https://a.test/x', rate_per_second: 1}\n"
    )
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", "https://b.test/workflows/x?sig=abc")
    (entry,) = load_settings(config_file=config).channels
    assert isinstance(entry, TeamsConfig)
    assert (entry.webhook_url.get_secret_value(), entry.rate_per_second) == (
        "https://b.test/workflows/x?sig=abc",
        1,
    )


@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        (CHANNELS, "${SLACK_HOOK} is not set in the environment or the env file"),
        (
            "channels:\n  - name: x\n    type: carrier-pigeon\n",
            "channels.0 (holdoff.yaml line 2)",
        ),
        (
            "channels:\n  - {name: a, type: webhook, url: 'https://a.test/'}\n  - {name: a, type: webhook, url: 'https://b.test/'}\n",
            "channel name 'a' is used twice",
        ),
        (
            "routes:\n  - name: db\n    match: '{team=\"db\"}'\n    channels: {escalated: [pagr]}\n",
            "routes.0.channels.escalated (holdoff.yaml line 4): unknown channel(s) pagr; known: email, teams",
        ),
        ("fallback_channel: pager\n", "unknown channel 'pager'"),
    ],
)
def test_channel_errors_name_the_problem(tmp_path: Path, yaml: str, expected: str) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(yaml)
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=config)
    assert expected in str(info.value)


def test_a_secret_never_appears_in_a_configuration_error(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text("channels:\n  - {name: p, type: pagerduty, routing_key: 12345678901234567890}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=config)
    assert "12345678901234567890" not in str(info.value)
