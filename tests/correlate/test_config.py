"""The ``correlation:`` section loads from YAML, docstring example included, with conservative defaults."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from holdoff.correlate import config as config_module
from holdoff.correlate.config import CorrelationConfig


def test_the_docstring_example_loads() -> None:
    doc = config_module.__doc__ or ""
    example = re.search(r"```yaml\n(.*?)```", doc, re.S)
    assert example is not None
    config = CorrelationConfig.model_validate(yaml.safe_load(example.group(1))["correlation"])
    assert config.window == timedelta(minutes=10)
    assert config.topology["payments"] == ("payments-db",)
    assert config.depends("checkout", "payments") and not config.depends("payments", "checkout")
    assert config.topology_labels["rack"] == 0.4
    assert config.learned.min_lift == 5.0


def test_defaults_are_on_and_conservative() -> None:
    config = CorrelationConfig()
    assert config.enabled
    assert (
        config.topology_labels["node"]
        > config.topology_labels["namespace"]
        > config.topology_labels["cluster"]
    )
    assert config.topology_labels["cluster"] < config.min_score  # a shared cluster alone never joins


def test_a_list_of_topology_labels_gets_default_weights() -> None:
    config = CorrelationConfig.model_validate({"topology_labels": ["node", "zone"], "window": "5m"})
    assert config.topology_labels == {"node": 0.6, "zone": 0.3}
    assert config.window == timedelta(minutes=5)


def test_unknown_keys_and_bad_durations_are_refused() -> None:
    with pytest.raises(ValidationError):
        CorrelationConfig.model_validate({"windw": "5m"})
    with pytest.raises(ValidationError):
        CorrelationConfig.model_validate({"window": "-5m"})


def test_the_example_in_docs_correlation_md_loads() -> None:
    text = (Path(__file__).parents[2] / "docs" / "correlation.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(correlation:.*?)```", text, re.S)
    assert example is not None
    config = CorrelationConfig.model_validate(yaml.safe_load(example.group(1))["correlation"])
    assert config == CorrelationConfig.model_validate(
        {"topology": config.topology}
    )  # the defaults, as documented


def test_describe_says_whether_it_is_on_and_what_it_reads() -> None:
    assert CorrelationConfig(enabled=False).describe() == "off (every incident group pages on its own)"
    on = CorrelationConfig(topology={"checkout": ("payments", "cart")}, learned={"enabled": False}).describe()
    assert on.startswith("on: within 10m, score >= 0.5; topology of 3 services; nothing learned; labels node")
