"""Every alert source Holdoff accepts, in one table (in the order the README lists them).

Read by the API (one route per entry, :mod:`holdoff.api.routes.sources`), ``holdoff replay`` (raw
``{"webhook": name, ...}`` lines), the ``GET /`` index, ``check-config`` and the configuration
warnings, the dashboard's source filter and the validation of ``ingest_tokens``. Adding a source is
a parser module and one entry here (see :class:`~holdoff.ingest.source.Source`).
"""

from __future__ import annotations

from typing import Any

from holdoff.ingest import alertmanager, aws_health, generic, grafana, securityhub, sns_delivery
from holdoff.ingest.coralogix import CoralogixWebhook
from holdoff.ingest.source import Source, SourceSettings
from holdoff.mediate.model import AlertEvent


def _coralogix(raw: dict[str, Any], _: SourceSettings) -> list[AlertEvent]:
    return [CoralogixWebhook.model_validate(raw).to_event(raw)]


SOURCES: tuple[Source, ...] = (
    Source(
        "coralogix",
        "Coralogix alert webhook",
        "Take a Coralogix alert event (the default template, or the seed POC's three fields); "
        "answered once its state change is committed. Coralogix may send it as POST or PUT.",
        _coralogix,
        path="/coralogix/webhook",
        methods=("POST", "PUT"),
        body_model=CoralogixWebhook,
        one_alert=True,
    ),
    Source(
        "alertmanager",
        "Prometheus Alertmanager webhook",
        "Prometheus Alertmanager webhook (version 4): many alerts per request, firing and resolved mixed.",
        lambda raw, _: alertmanager.parse(raw),
    ),
    Source(
        "grafana",
        "Grafana unified alerting webhook",
        "Grafana unified alerting webhook (Alertmanager's shape plus Grafana's fields and links).",
        lambda raw, _: grafana.parse(raw),
    ),
    Source(
        "cloudwatch",
        "CloudWatch alarm through Amazon SNS",
        "ALARM is firing, OK is resolved, INSUFFICIENT_DATA as configured. SNS posts JSON as text/plain; "
        "signatures are verified and subscriptions confirmed (on AWS SNS hosts only).",
        sns_delivery.parse,
        also_accept=("text/plain",),
        documented_as=("text/plain",),
        gate=sns_delivery.gate,
        gate_answers={
            200: "Subscription confirmed, or unsubscribe acknowledged",
            403: "Signature invalid, message too old, or topic not allowed",
            503: "The signing certificate or SubscribeURL could not be fetched; SNS retries",
        },
        nothing="INSUFFICIENT_DATA ignored (HOLDOFF_CLOUDWATCH_INSUFFICIENT_DATA)",
    ),
    Source(
        "aws-health",
        "AWS Health event",
        "AWS Health event: the EventBridge envelope or its bare `detail`.",
        lambda raw, _: aws_health.parse(raw),
    ),
    Source(
        "securityhub",
        "AWS Security Hub findings",
        "AWS Security Hub findings through EventBridge (ASFF, or the OCSF 'Findings Imported V2' shape).",
        lambda raw, _: securityhub.parse(raw),
    ),
    Source(
        "generic",
        "Any JSON",
        "Any JSON, mapped to an alert by the `generic` section of the configuration file.",
        lambda raw, settings: generic.parse(raw, settings.sources.generic.mapping),
    ),
)

BY_NAME = {source.name: source for source in SOURCES}
NAMES = tuple(BY_NAME)
"""Source names in table order."""
