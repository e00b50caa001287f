"""Grouping, digests and quiet hours in the YAML policy: inheritance down the route tree, and errors with lines."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from holdoff.mediate.grouping import Grouping
from holdoff.mediate.model import AlertRecord, AlertState, Severity
from holdoff.policy.section import build_policy
from holdoff.settings import load_settings
from holdoff.settings.file import ConfigError

POLICY = """\
group_by: [cluster]
group_wait: 10s
transient: digest
digest:
  interval: 30m
quiet_hours:
  cron: "0 22 * * *"
  duration: 9h
  timezone: Europe/Berlin
  page: [critical, high]
routes:
  - name: payments
    match: '{team="payments"}'
    group_by: [cluster, service]
    group_interval: 1m
    transient: notify
    routes:
      - name: payments-db
        match: '{service="db"}'
  - name: solo
    match: '{team="solo"}'
    group_by: []
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("HOLDOFF_"):
            monkeypatch.delenv(name)


def alert(**labels: str) -> AlertRecord:
    return AlertRecord("alertmanager", "f", "Down", AlertState.PENDING, 1, labels=labels)


def test_grouping_is_inherited_and_overridden_down_the_tree(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(POLICY)
    policy = build_policy(load_settings(config_file=config).policy)
    assert policy.grouping == Grouping(("cluster",), timedelta(seconds=10), timedelta(minutes=5))
    default = policy.plan(alert(team="web"))
    assert default.grouping == policy.grouping and default.group_route == "default"
    assert default.transient_digest is True
    payments = policy.plan(alert(team="payments", service="db"))
    assert payments.grouping == Grouping(("cluster", "service"), timedelta(seconds=10), timedelta(minutes=1))
    assert payments.group_route == "payments-db"
    assert payments.transient_digest is False
    assert policy.plan(alert(team="solo")).grouping is None
    assert policy.digest_interval == timedelta(minutes=30)
    assert policy.quiet_hours is not None
    assert policy.quiet_hours.page == frozenset({Severity.CRITICAL, Severity.HIGH})
    assert policy.quiet_hours.window.timezone == "Europe/Berlin"


def test_without_group_by_every_alert_is_its_own_incident(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text("group_wait: 10s\n")
    policy = build_policy(load_settings(config_file=config).policy)
    assert policy.grouping is None and policy.plan(alert()).grouping is None


@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        ("group_by: ['bad label']\n", "group_by.0 (holdoff.yaml line 1): String should match pattern"),
        (
            "group_by: [a]\ngroup_wait: 2d\n",
            "(holdoff.yaml line 2): group timers are at most 1 day",
        ),
        (
            "digest:\n  interval: 10s\n",
            "digest.interval (holdoff.yaml line 2): a digest goes out at most every minute",
        ),
        (
            "transient: later\n",
            "transient (holdoff.yaml line 1): Input should be 'notify' or 'digest'",
        ),
        (
            "quiet_hours:\n  cron: '0 22 * *'\n  duration: 9h\n",
            "quiet_hours.cron (holdoff.yaml line 2): '0 22 * *' is not a cron expression",
        ),
        (
            "quiet_hours:\n  cron: '0 22 * * *'\n  duration: 9h\n  page: [urgent]\n",
            "quiet_hours.page.0 (holdoff.yaml line 4)",
        ),
        (
            "noise_rules:\n  - name: x\n    match: '{a=\"b\"}'\n    action: digest\n    severity: low\n",
            "action: digest takes no severity",
        ),
        (
            "routes:\n  - name: r\n    match: '{a=\"b\"}'\n    group_interval: -5m\n",
            "routes.0.group_interval (holdoff.yaml line 4)",
        ),
    ],
)
def test_policy_errors_name_the_setting_and_line(tmp_path: Path, yaml: str, expected: str) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text(yaml)
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=config)
    assert expected in str(info.value)


def test_the_shipped_day_policy_validates() -> None:
    day = Path(__file__).resolve().parents[1] / "bench" / "policies" / "day.yaml"
    policy = build_policy(load_settings(config_file=day).policy)
    assert policy.grouping is not None and policy.grouping.by == ("cluster",)
    assert policy.inhibit_rules and policy.noise_rules
