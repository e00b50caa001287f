"""The sources whose native webhook is one JSON object, by name: the API's ``/webhooks/<name>`` routes
and ``holdoff replay`` of recorded webhooks both parse through this table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from holdoff.ingest import alertmanager, aws_health, generic, grafana, securityhub
from holdoff.mediate.model import AlertEvent

if TYPE_CHECKING:
    from holdoff.settings import Settings

Parse = Callable[[dict[str, Any], "Settings"], list[AlertEvent]]


@dataclass(frozen=True)
class Source:
    name: str
    summary: str
    parse: Parse


SOURCES = (
    Source(
        "alertmanager",
        "Prometheus Alertmanager webhook (version 4): many alerts per request, firing and resolved mixed.",
        lambda raw, _: alertmanager.parse(raw),
    ),
    Source(
        "grafana",
        "Grafana unified alerting webhook (Alertmanager's shape plus Grafana's fields and links).",
        lambda raw, _: grafana.parse(raw),
    ),
    Source(
        "aws-health",
        "AWS Health event: the EventBridge envelope or its bare `detail`.",
        lambda raw, _: aws_health.parse(raw),
    ),
    Source(
        "securityhub",
        "AWS Security Hub findings through EventBridge (ASFF, or the OCSF 'Findings Imported V2' shape).",
        lambda raw, _: securityhub.parse(raw),
    ),
    Source(
        "generic",
        "Any JSON, mapped to an alert by the `generic` section of the configuration file.",
        lambda raw, settings: generic.parse(raw, settings.generic),
    ),
)


BY_NAME = {source.name: source for source in SOURCES}
