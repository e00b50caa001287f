"""Grafana unified alerting webhook → AlertEvent."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from holdoff.ingest import alertmanager, grafana
from holdoff.ingest.identity import label_set_fingerprint
from holdoff.mediate.model import Action, AlertEvent, Severity

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"

LABELS = {"alertname": "High error rate", "grafana_folder": "payments", "service": "checkout"}
LINKS = {
    "generator": "http://grafana.local/alerting/grafana/abc123/view",
    "silence": "http://grafana.local/alerting/silence/new?matcher=alertname%3DHigh+error+rate",
    "dashboard": "http://grafana.local/d/xyz",
    "panel": "http://grafana.local/d/xyz?viewPanel=2",
}
VALUE_STRING = "[ var='B' labels={service=checkout} value=0.071 ]"


def sample() -> dict[str, Any]:
    return json.loads((PAYLOADS / "grafana-webhook-firing.json").read_text())  # type: ignore[no-any-return]


def first_alert(payload: dict[str, Any]) -> dict[str, Any]:
    return payload["alerts"][0]  # type: ignore[no-any-return]


def one(payload: dict[str, Any]) -> AlertEvent:
    events = grafana.parse(payload)
    assert len(events) == 1
    return events[0]


def test_firing_sample() -> None:
    payload = sample()
    event = one(payload)
    assert event.source == "grafana"
    assert event.fingerprint == "a1b2c3d4e5f60718"
    assert event.action is Action.TRIGGERED
    assert event.name == "High error rate"
    assert event.severity is None
    assert event.labels == LABELS
    assert event.annotations == {"summary": "5xx ratio above 5%", "values": VALUE_STRING}
    assert event.links == LINKS
    assert event.starts_at == datetime(2026, 11, 22, 7, 50, tzinfo=UTC)
    assert event.starts_at is not None and event.starts_at.tzinfo is UTC
    assert event.ends_at is None
    assert event.actor is None and event.note is None
    envelope = {key: value for key, value in payload.items() if key != "alerts"}
    assert event.raw == {"envelope": envelope, "alert": first_alert(payload)}
    assert event.raw["envelope"]["title"] == "[FIRING:1] High error rate (payments checkout)"
    assert event.raw["alert"]["values"] == {"B": 0.071}


def test_resolved_alert() -> None:
    payload = sample()
    payload["status"] = "resolved"
    payload["state"] = "ok"
    first_alert(payload).update(status="resolved", endsAt="2026-11-22T08:10:00Z", valueString="")
    event = one(payload)
    assert event.action is Action.RESOLVED
    assert event.fingerprint == "a1b2c3d4e5f60718"
    assert event.starts_at == datetime(2026, 11, 22, 7, 50, tzinfo=UTC)
    assert event.ends_at == datetime(2026, 11, 22, 8, 10, tzinfo=UTC)
    assert event.annotations == {"summary": "5xx ratio above 5%"}


def test_mixed_webhook_in_order() -> None:
    payload = sample()
    fired = first_alert(payload)
    resolved = {
        **fired,
        "status": "resolved",
        "fingerprint": "0000000000000002",
        "labels": {**LABELS, "service": "cart"},
        "endsAt": "2026-11-22T08:00:00Z",
    }
    payload["alerts"] = [fired, resolved, {**fired, "fingerprint": "0000000000000003"}]
    events = grafana.parse(payload)
    assert [(e.fingerprint, e.action) for e in events] == [
        ("a1b2c3d4e5f60718", Action.TRIGGERED),
        ("0000000000000002", Action.RESOLVED),
        ("0000000000000003", Action.TRIGGERED),
    ]
    assert [e.ends_at for e in events] == [None, datetime(2026, 11, 22, 8, 0, tzinfo=UTC), None]
    assert events[1].labels["service"] == "cart"


def test_severity_label_when_present() -> None:
    payload = sample()
    first_alert(payload)["labels"]["severity"] = "Warning"
    assert one(payload).severity is Severity.WARNING
    first_alert(payload)["labels"]["severity"] = "sev3"
    assert one(payload).severity is None


def test_missing_fingerprint_is_a_stable_hash_of_the_labels() -> None:
    payload = sample()
    del first_alert(payload)["fingerprint"]
    event = one(payload)
    reordered = sample()
    first_alert(reordered)["fingerprint"] = None
    first_alert(reordered)["labels"] = dict(reversed(list(LABELS.items())))
    assert event.fingerprint == one(reordered).fingerprint == label_set_fingerprint(LABELS)


def test_empty_urls_are_not_links_and_image_is() -> None:
    payload = sample()
    first_alert(payload).update(
        dashboardURL="", panelURL="", silenceURL="", generatorURL="", imageURL="https://img.local/a.png"
    )
    assert one(payload).links == {"image": "https://img.local/a.png"}
    for key in ("dashboardURL", "panelURL", "silenceURL", "generatorURL", "imageURL"):
        del first_alert(payload)[key]
    assert one(payload).links == {}


def test_no_alertmanager_group_link_for_grafana() -> None:
    # Grafana's externalURL is Grafana itself; the alert's own generatorURL links to its rule.
    assert "alertmanager" not in one(sample()).links


def test_a_rule_annotation_called_values_wins_over_the_value_string() -> None:
    payload = sample()
    first_alert(payload)["annotations"]["values"] = "A=1"
    assert one(payload).annotations["values"] == "A=1"


def test_missing_value_fields() -> None:
    payload = sample()
    first_alert(payload)["values"] = None
    del first_alert(payload)["valueString"]
    assert one(payload).annotations == {"summary": "5xx ratio above 5%"}


def test_alertmanager_shaped_body_is_accepted() -> None:
    body = json.loads((PAYLOADS / "alertmanager-webhook-firing.json").read_text())
    event = one(body)
    assert event.source == "grafana"
    assert event.fingerprint == "8907c632687e21f5"
    assert event.severity is Severity.CRITICAL
    assert event.links == {"generator": "http://127.0.0.1:9090/graph"}


def test_source_can_be_renamed() -> None:
    assert grafana.SOURCE == "grafana"
    assert grafana.parse(sample(), source="grafana-cloud")[0].source == "grafana-cloud"


def test_models_extend_the_alertmanager_models() -> None:
    assert issubclass(grafana.GrafanaWebhook, alertmanager.AlertmanagerWebhook)
    assert issubclass(grafana.GrafanaAlert, alertmanager.AlertmanagerAlert)
    schema = grafana.GrafanaWebhook.model_json_schema()
    assert {"orgId", "state", "title", "message", "alerts"} <= set(schema["properties"])
    assert "dashboardURL" in schema["$defs"]["GrafanaAlert"]["properties"]


def _without_alerts(payload: dict[str, Any]) -> None:
    del payload["alerts"]


INVALID = [
    pytest.param(_without_alerts, ("alerts",), "Field required", id="missing-alerts"),
    pytest.param(
        lambda payload: payload.update(alerts={"a": 1}), ("alerts",), "must be a list", id="alerts-object"
    ),
    pytest.param(
        lambda payload: first_alert(payload).update(labels=[["alertname", "x"]]),
        ("alerts", 0, "labels"),
        "valid dictionary",
        id="labels-list",
    ),
    pytest.param(
        lambda payload: first_alert(payload).update(startsAt="soon"),
        ("alerts", 0, "startsAt"),
        "valid datetime",
        id="startsAt-text",
    ),
    pytest.param(
        lambda payload: first_alert(payload).update(status="alerting"),
        ("alerts", 0, "status"),
        "unknown status 'alerting'",
        id="unknown-status",
    ),
    pytest.param(
        lambda payload: first_alert(payload).update(labels={f"l{n}": "v" for n in range(10_000)}),
        ("alerts", 0, "labels"),
        "too many labels: at most 200 allowed, got 10,000",
        id="10000-labels",
    ),
    pytest.param(
        lambda payload: first_alert(payload).update(valueString=["B=1"]),
        ("alerts", 0, "valueString"),
        "valid string",
        id="value-string-list",
    ),
    pytest.param(
        lambda payload: first_alert(payload).update(values=[0.071]),
        ("alerts", 0, "values"),
        "valid dictionary",
        id="values-list",
    ),
    pytest.param(lambda payload: payload.update(orgId="one"), ("orgId",), "valid integer", id="org-id-text"),
]


@pytest.mark.parametrize(("change", "loc", "message"), INVALID)
def test_invalid_input_names_the_field(change: Any, loc: tuple[str | int, ...], message: str) -> None:
    payload = sample()
    change(payload)
    with pytest.raises(ValidationError) as caught:
        grafana.parse(payload)
    errors = caught.value.errors()
    assert [error["loc"] for error in errors] == [loc], errors
    assert message in errors[0]["msg"]


def test_text_no_database_can_store_is_replaced() -> None:
    payload = sample()
    first_alert(payload)["labels"]["service"] = "check\x00out"
    first_alert(payload)["dashboardURL"] = "http://g/\ud800"
    payload["message"] = "a\x00"
    event = grafana.parse(payload)[0]
    assert event.labels["service"] == "check\ufffdout"
    assert "\x00" not in repr(event)
    assert "\ud800" not in repr(event)


def test_too_many_alerts() -> None:
    payload = sample()
    payload["alerts"] = [first_alert(payload)] * 1001
    with pytest.raises(ValidationError) as caught:
        grafana.parse(payload)
    errors = caught.value.errors()
    assert [error["loc"] for error in errors] == [("alerts",)]
    assert "at most 1,000 allowed, got 1,001" in errors[0]["msg"]
