"""Grafana unified alerting webhooks (contact point of type "Webhook").

Grafana posts Alertmanager's webhook shape plus ``orgId``, ``state``, ``title`` and ``message``, and per
alert ``silenceURL``, ``dashboardURL``, ``panelURL``, ``imageURL``, ``values`` and ``valueString``. The
models extend :mod:`holdoff.ingest.alertmanager`'s, and identity and severity follow the same rules: the
alert's ``fingerprint`` (else a stable hash of its labels), and the ``severity``/``priority`` label through
:data:`holdoff.ingest.alertmanager.SEVERITIES` (Grafana rules often carry neither: severity is None then).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from holdoff.ingest.alertmanager import (
    AlertmanagerAlert,
    AlertmanagerWebhook,
    AnnotationValue,
    LabelName,
    LabelValue,
    Url,
)
from holdoff.ingest.text import Text
from holdoff.mediate.model import AlertEvent

SOURCE = "grafana"

_LINKS = {
    "silence": "silence_url",
    "dashboard": "dashboard_url",
    "panel": "panel_url",
    "image": "image_url",
}


class GrafanaAlert(AlertmanagerAlert):
    """One entry of ``alerts[]``: an Alertmanager alert plus Grafana's links and query values."""

    silence_url: Url | None = Field(default=None, alias="silenceURL")
    dashboard_url: Url | None = Field(default=None, alias="dashboardURL")
    panel_url: Url | None = Field(default=None, alias="panelURL")
    image_url: Url | None = Field(default=None, alias="imageURL")
    values: dict[LabelName, Any] | None = Field(
        default=None, max_length=200, description="The rule's query values by ref id; kept in raw only."
    )
    value_string: AnnotationValue | None = Field(default=None, alias="valueString")

    def event_annotations(self) -> dict[str, str]:
        annotations = super().event_annotations()
        if self.value_string:
            # An annotation the rule itself calls "values" wins; the value string stays in raw then.
            annotations.setdefault("values", self.value_string)
        return annotations

    def event_links(self) -> dict[str, str]:
        links = super().event_links()
        for key, attribute in _LINKS.items():
            url = getattr(self, attribute)
            if url:
                links[key] = url
        return links


class GrafanaWebhook(AlertmanagerWebhook):
    """The body a Grafana webhook contact point posts."""

    org_id: int | None = Field(default=None, alias="orgId")
    state: LabelValue | None = Field(default=None, description="alerting, ok, ...")
    title: AnnotationValue | None = None
    message: Text | None = None
    alerts: Sequence[GrafanaAlert] = Field(description="At most 1,000 alerts.")

    def group_links(self) -> dict[str, str]:
        # ``externalURL`` is Grafana's own address, not an Alertmanager UI; each alert links to its rule.
        return {}


def parse(payload: dict[str, Any], *, source: str = SOURCE) -> list[AlertEvent]:
    """Validate a Grafana webhook body and turn each of its alerts into an event.

    Raises :class:`pydantic.ValidationError` naming the field when the body is not a valid webhook.
    """
    return GrafanaWebhook.model_validate(payload).to_events(payload, source=source)
