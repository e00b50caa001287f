"""Where matcher text is used: an empty set is refused where it would act on every alert.

The matcher reader follows Alertmanager and reads ``{}``, ``""`` and whitespace as no matchers at all.
A silence or a noise rule without matchers would act on every alert, and an inhibition rule with two
empty sides would let every alert mute every other, so those callers refuse an empty set with a
message that says so. A route without matchers is a catch-all, as in Alertmanager.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from holdoff.api.schemas import SilenceIn
from holdoff.mediate.matchers import Matcher, MatchType
from holdoff.mediate.model import AlertRecord, AlertState
from holdoff.policy.section import build_policy
from holdoff.settings import load_settings
from holdoff.settings.file import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("HOLDOFF_"):
            monkeypatch.delenv(name)


def silence(matchers: Any) -> SilenceIn:
    return SilenceIn.model_validate(
        {"matchers": matchers, "duration": "1h", "created_by": "alice", "comment": "maintenance"}
    )


def alert(**labels: str) -> AlertRecord:
    return AlertRecord("alertmanager", "f", "Down", AlertState.PENDING, 1, labels=labels)


@pytest.mark.parametrize("matchers", ["{}", "", "  ", "{ }", "{\n}", []])
def test_a_silence_without_matchers_is_refused_saying_why(matchers: Any) -> None:
    with pytest.raises(ValidationError) as info:
        silence(matchers)
    message = str(info.value)
    assert "no matchers: a silence needs at least one matcher" in message
    assert "would mute every alert" in message


def test_a_silence_reads_matchers_pasted_from_alertmanager() -> None:
    body = silence('{\n  alertname="DiskFull",\n  mountpoint="/var\\n",\n  "service.name"=~"api|web",\n}')
    assert body.parsed_matchers() == (
        Matcher("alertname", MatchType.EQUAL, "DiskFull"),
        Matcher("mountpoint", MatchType.EQUAL, "/var\n"),
        Matcher("service.name", MatchType.REGEX, "api|web"),
    )


def test_a_silence_in_list_form_takes_any_non_empty_label_name() -> None:
    body = silence([{"name": "service.name", "value": "api"}, {"name": "k8s pod", "value": "x"}])
    assert [m.name for m in body.parsed_matchers()] == ["service.name", "k8s pod"]
    with pytest.raises(ValidationError, match=r"matchers\.0\.name"):
        silence([{"name": "", "value": "x"}])


def load(tmp_path: Path, yaml: str) -> Any:
    config = tmp_path / "holdoff.yaml"
    config.write_text(yaml)
    return load_settings(config_file=config)


@pytest.mark.parametrize("match", ["'{}'", "''", "[]", "['{}', '']"])
def test_a_noise_rule_without_matchers_is_refused(tmp_path: Path, match: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, f"noise_rules:\n  - name: all\n    match: {match}\n    action: drop\n")
    assert "noise_rules.0.match (holdoff.yaml line 3): a noise rule needs at least one matcher" in str(
        info.value
    )


def test_an_inhibit_rule_with_both_sides_empty_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, "inhibit_rules:\n  - name: all\n    source_match: '{}'\n    target_match: []\n")
    assert "source_match and target_match are both empty" in str(info.value)


def test_an_inhibit_rule_may_mute_every_alert_sharing_its_equal_labels(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        "inhibit_rules:\n  - name: cluster-down\n    source_match: '{alertname=\"ClusterDown\"}'\n"
        "    target_match: '{}'\n    equal: [cluster]\n",
    )
    (rule,) = build_policy(settings.policy).inhibit_rules
    assert rule.target == ()
    assert rule.target_key_of({"cluster": "eu"}) == rule.source_key_of(
        {"alertname": "ClusterDown", "cluster": "eu"}
    )


def test_a_route_without_matchers_takes_every_alert_as_in_alertmanager(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        'routes:\n  - name: api\n    match: \'{"service.name"="api"}\'\n'
        "  - name: everything-else\n    match: '{}'\n",
    )
    policy = build_policy(settings.policy)
    assert policy.plan(alert(**{"service.name": "api"})).routes == ("api",)
    assert policy.plan(alert(team="web")).routes == ("everything-else",)


def test_multi_line_route_matchers_with_a_trailing_comma_are_read(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        'routes:\n  - name: payments\n    match: |\n      {\n        team="payments",\n'
        '        severity=~"critical|high",\n      }\n',
    )
    policy = build_policy(settings.policy)
    assert policy.plan(alert(team="payments", severity="high")).routes == ("payments",)
    assert policy.plan(alert(team="payments", severity="low")).routes == ("default",)


def test_a_matcher_error_in_the_policy_names_the_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, 'routes:\n  - name: r\n    match: \'{team="a" severity="b"}\'\n')
    message = str(info.value)
    assert "routes.0.match (holdoff.yaml line 3)" in message
    assert "at column 11: expected ',' or '}' after a matcher, found 'severity'" in message
