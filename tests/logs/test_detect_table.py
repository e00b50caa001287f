"""The detector table: reading `logs.detectors` entries, the defaults, unknown types, names, building."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from holdoff.logs.detect import DETECTOR_TYPES, AnyDetectorConfig, build_all, check_names, default_detectors
from holdoff.logs.detect.critical import CriticalConfig
from holdoff.logs.detect.failed_auth import FailedAuthConfig


class Section(BaseModel):
    """How the `logs:` section holds the table (a stand-in for it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    detectors: list[AnyDetectorConfig]


def test_every_type_is_in_the_table_with_a_description() -> None:
    assert list(DETECTOR_TYPES) == ["failed_auth", "error_rate", "new_template", "critical"]
    assert all(description.endswith(".") for _, description in DETECTOR_TYPES.values())
    assert DETECTOR_TYPES["critical"][0] is CriticalConfig


def test_defaults_are_all_four_enabled_and_named_by_type() -> None:
    configs = default_detectors()
    assert [c.type for c in configs] == list(DETECTOR_TYPES)
    assert [c.name for c in configs] == list(DETECTOR_TYPES)
    detectors = build_all(configs)
    assert [d.name for d in detectors] == list(DETECTOR_TYPES)


def test_entries_are_read_by_their_type() -> None:
    section = Section.model_validate(
        {
            "detectors": [
                {"type": "failed_auth", "threshold": 5, "window": "30s"},
                {"type": "critical", "name": "critical-db", "quiet_for": "30m", "enabled": False},
            ]
        }
    )
    auth, critical = section.detectors
    assert isinstance(auth, FailedAuthConfig) and auth.threshold == 5
    assert isinstance(critical, CriticalConfig) and critical.quiet_for.total_seconds() == 1800
    assert [d.name for d in build_all(section.detectors)] == ["failed_auth"]  # the disabled one is left out


def test_an_unknown_type_names_the_known_ones() -> None:
    with pytest.raises(ValidationError) as error:
        Section.model_validate({"detectors": [{"type": "anomaly"}]})
    message = str(error.value)
    assert "anomaly" in message
    for known in DETECTOR_TYPES:
        assert known in message


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="threshhold"):
        Section.model_validate({"detectors": [{"type": "failed_auth", "threshhold": 3}]})


def test_two_detectors_with_one_name_are_refused() -> None:
    twice = [CriticalConfig(), CriticalConfig(quiet_for="1h")]
    with pytest.raises(ValueError, match="two detectors are named 'critical'"):
        check_names(twice)
    with pytest.raises(ValueError, match="another `name`"):
        build_all(twice)
    check_names([CriticalConfig(), CriticalConfig(name="critical-slow", quiet_for="1h")])


def test_configs_are_frozen() -> None:
    config = CriticalConfig()
    with pytest.raises(ValidationError):
        config.quiet_for = config.quiet_for * 2  # type: ignore[misc]


def test_the_examples_in_the_docs_are_valid_configuration() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "logs-detectors.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 2
    whole = Section.model_validate(yaml.safe_load(blocks[0])["logs"])
    assert [c.type for c in whole.detectors] == list(DETECTOR_TYPES)
    entry = Section.model_validate({"detectors": yaml.safe_load(blocks[1])})
    [vpn] = build_all(entry.detectors)
    assert vpn.name == "vpn-logins"
