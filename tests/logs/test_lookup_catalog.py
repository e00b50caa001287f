"""The table of log stores: ``logs: lookup:`` read by its ``type``, each type built into a lookup that
describes itself without secrets; and what a lookup query accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter, ValidationError

from holdoff.config_types import environment
from holdoff.logs.lookup import (
    LOOKUP_TYPES,
    AnyLookupConfig,
    CloudWatchConfig,
    LokiConfig,
    LookupQuery,
    OpenSearchConfig,
    build,
)

READ = TypeAdapter(AnyLookupConfig)
START = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)

EXAMPLES = {
    "loki": """
type: loki
name: prod-loki
url: https://logs-prod-eu-west-0.grafana.net
user: "123456"
password: ${LOKI_PASSWORD}
grafana_url: https://example.grafana.net
""",
    "opensearch": """
type: opensearch
name: prod-search
url: https://search.internal:9200
index: logs-*
api_key: ${SEARCH_API_KEY}
service_field: service.name.keyword
""",
    "cloudwatch": """
type: cloudwatch
name: aws-logs
region: eu-west-1
log_group: /ecs/{service}
role_arn: arn:aws:iam::123456789012:role/holdoff-logs
""",
}
SECRETS = {"LOKI_PASSWORD": "loki-Pa55", "SEARCH_API_KEY": "c2VhcmNoLWtleQ=="}


def read(text: str) -> Any:
    with environment(SECRETS):
        return READ.validate_python(yaml.safe_load(text))


def test_the_table_lists_every_store_type_in_order() -> None:
    assert {
        "loki": LokiConfig,
        "opensearch": OpenSearchConfig,
        "cloudwatch": CloudWatchConfig,
    } == LOOKUP_TYPES


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_each_example_reads_as_its_type_and_builds_a_lookup_without_secrets_shown(kind: str) -> None:
    settings = read(EXAMPLES[kind])
    assert type(settings) is LOOKUP_TYPES[kind]
    lookup = build(settings)
    assert lookup.name == settings.name
    text = lookup.describe() + repr(settings)
    assert text.startswith(f'{kind} "{settings.name}"')
    for secret in SECRETS.values():
        assert secret not in text
    lookup.close()


def test_secrets_come_from_the_environment() -> None:
    settings = read(EXAMPLES["loki"])
    assert settings.password.get_secret_value() == "loki-Pa55"
    assert settings.secrets() == ["loki-Pa55"]


def test_an_unknown_type_or_field_is_refused() -> None:
    with pytest.raises(ValidationError, match="does not match any of the expected tags"):
        READ.validate_python({"type": "splunk", "name": "s"})
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        READ.validate_python({"type": "loki", "name": "l", "url": "http://loki:3100", "tenent": "a"})


def test_a_query_needs_an_aware_window_in_order_and_a_sane_limit() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        LookupQuery(service="a", start=datetime(2024, 5, 1), end=START)
    with pytest.raises(ValidationError, match="end must not be before start"):
        LookupQuery(service="a", start=START, end=START - timedelta(seconds=1))
    with pytest.raises(ValidationError, match="less than or equal to 5000"):
        LookupQuery(service="a", start=START, end=START, limit=5001)
    assert LookupQuery(service="a", start=START, end=START).limit == 200


def test_a_store_without_a_name_is_named_after_its_type() -> None:
    settings = READ.validate_python({"type": "loki", "url": "http://loki:3100"})
    assert settings.name == "loki"
    assert settings.build().describe() == 'loki "loki" (loki:3100)'


def test_every_example_in_the_docs_reads() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "logs-lookups.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in text.split("```yaml\n")[1:]]
    examples = [yaml.safe_load(block) for block in blocks if block.startswith("logs:")]
    assert len(examples) == 3
    with environment({"LOKI_PASSWORD": "p", "SEARCH_PASSWORD": "p"}):
        kinds = [type(READ.validate_python(example["logs"]["lookup"])) for example in examples]
    assert kinds == [LokiConfig, OpenSearchConfig, CloudWatchConfig]
