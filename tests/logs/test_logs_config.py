"""The ``logs:`` section: the examples in its docstring and in docs/configuration.md load as written,
and what is wrong in it is said."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

import holdoff.logs.config as logs_config
from holdoff.logs.detect.error_rate import ErrorRateConfig
from holdoff.logs.detect.failed_auth import FailedAuthConfig
from holdoff.logs.lookup.loki import LokiConfig
from holdoff.settings.file import ConfigError
from holdoff.settings.loading import load_settings

ROOT = Path(__file__).resolve().parents[2]


def yaml_blocks_with_logs(text: str) -> list[str]:
    return [block for block in re.findall(r"```yaml\n(.*?)```", text, re.S) if block.startswith("logs:")]


def example_sources() -> list[tuple[str, str]]:
    module_doc = logs_config.__doc__ or ""
    docs = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    found = [("holdoff.logs.config", block) for block in yaml_blocks_with_logs(module_doc)]
    found += [("docs/configuration.md", block) for block in yaml_blocks_with_logs(docs)]
    return found


def test_there_are_examples_in_both_places() -> None:
    assert {where for where, _ in example_sources()} == {"holdoff.logs.config", "docs/configuration.md"}


@pytest.mark.parametrize(("where", "block"), example_sources())
def test_each_logs_example_loads_as_written(
    where: str, block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLUENT_BIT_TOKEN", "fluent-bit-token-0123456789")
    monkeypatch.setenv("CHECKOUT_TOKEN", "checkout-token-0123456789")
    config = tmp_path / "holdoff.yaml"
    config.write_text(block, encoding="utf-8")
    logs = load_settings(config_file=config).logs
    assert logs.senders["checkout-collector"].services == ["checkout", "payments"], where
    assert logs.senders["fluent-bit"].token.get_secret_value() == "fluent-bit-token-0123456789"
    assert logs.retention.hours == 72 and logs.classifier.retrain_hours == 24
    failed_auth, error_rate, critical = logs.detectors
    assert isinstance(failed_auth, FailedAuthConfig) and failed_auth.threshold == 10
    assert isinstance(error_rate, ErrorRateConfig) and error_rate.window == timedelta(minutes=5)
    assert critical.type == "critical"
    assert isinstance(logs.lookup, LokiConfig) and logs.lookup.name == "loki"


def test_a_short_sender_token_and_an_unknown_detector_are_named(tmp_path: Path) -> None:
    config = tmp_path / "holdoff.yaml"
    config.write_text("logs:\n  senders:\n    vector: {token: short}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"logs\.senders\.vector\.token.*shorter than 16"):
        load_settings(config_file=config)
    config.write_text("logs:\n  detectors:\n    - {type: sentiment}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"logs\.detectors"):
        load_settings(config_file=config)
