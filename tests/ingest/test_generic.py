"""Generic JSON webhooks through a field mapping → AlertEvent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from holdoff.ingest import generic
from holdoff.ingest.errors import PayloadError
from holdoff.ingest.generic import GenericMapping
from holdoff.mediate.model import Action, AlertEvent, Severity


def only(events: list[AlertEvent]) -> AlertEvent:
    assert len(events) == 1
    return events[0]


def body(**fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": "disk-full-db-01",
        "name": "Disk almost full on db-01",
        "status": "firing",
        "severity": "critical",
        "labels": {"host": "db-01", "team": "storage", "mount": "/var", "used_pct": 97, "paged": False},
        "description": "/var is 97% full",
        "url": "https://monitor.example.com/checks/17",
    }
    payload.update(fields)
    return payload


def test_default_mapping() -> None:
    payload = body()
    event = only(generic.parse(payload))
    assert event.source == "generic"
    assert event.fingerprint == "disk-full-db-01"
    assert event.action is Action.TRIGGERED
    assert event.name == "Disk almost full on db-01"
    assert event.severity is Severity.CRITICAL
    assert event.labels == {
        "host": "db-01",
        "team": "storage",
        "mount": "/var",
        "used_pct": "97",
        "paged": "false",
    }
    assert event.annotations == {"description": "/var is 97% full"}
    assert event.links == {"url": "https://monitor.example.com/checks/17"}
    assert event.starts_at is None and event.ends_at is None
    assert event.actor is None and event.note is None
    assert event.raw == payload


def test_minimal_body() -> None:
    event = only(generic.parse({"id": 42, "status": "OK"}))
    assert (event.fingerprint, event.name, event.action) == ("42", "42", Action.RESOLVED)
    assert (event.severity, event.labels, event.annotations, event.links) == (None, {}, {}, {})


@pytest.mark.parametrize("status", [*generic.DEFAULT_FIRING_VALUES, "FIRING", " Alarm "])
def test_firing_values(status: str) -> None:
    assert only(generic.parse(body(status=status))).action is Action.TRIGGERED


@pytest.mark.parametrize("status", [*generic.DEFAULT_RESOLVED_VALUES, "Resolved", "OK"])
def test_resolved_values(status: str) -> None:
    assert only(generic.parse(body(status=status))).action is Action.RESOLVED


@pytest.mark.parametrize(
    ("value", "severity"),
    [
        ("critical", Severity.CRITICAL),
        ("high", Severity.HIGH),
        ("warning", Severity.WARNING),
        ("info", Severity.INFO),
        ("low", Severity.LOW),
        ("error", Severity.HIGH),
        ("warn", Severity.WARNING),
        ("P1", Severity.CRITICAL),
        ("p2", Severity.HIGH),
        ("p3", Severity.WARNING),
        ("p4", Severity.INFO),
        ("p5", Severity.LOW),
        ("Medium", Severity.WARNING),
        ("whatever", None),
    ],
)
def test_default_severity_map(value: str, severity: Severity | None) -> None:
    assert only(generic.parse(body(severity=value))).severity is severity


def test_custom_mapping_with_alerts_path() -> None:
    mapping = GenericMapping(
        alerts_path="data.alerts",
        id="check.uid",
        name="check.title",
        status="state",
        severity="check.level",
        labels="tags",
        description="details.0.text",
        links={"runbook": "check.runbook", "graph": "details.0.graph"},
        starts_at="since",
        firing_values=["DOWN"],
        resolved_values=["UP"],
        severity_map={"SEV1": "critical", "sev2": "high"},
    )
    payload: dict[str, Any] = {
        "sent_at": "2026-11-22T08:00:00Z",
        "data": {
            "alerts": [
                {
                    "check": {"uid": 1001, "title": "API down", "level": "Sev1", "runbook": "https://rb/api"},
                    "state": "down",
                    "tags": {"service": "api", "region": "eu-west-1"},
                    "details": [{"text": "3 of 3 probes failing", "graph": "https://g/api"}],
                    "since": "2026-11-22T07:58:00Z",
                },
                {
                    "check": {"uid": "web", "level": "error"},
                    "state": "Up",
                    "since": 1795334000,
                },
            ]
        },
    }
    down, up = generic.parse(payload, mapping)
    assert down.source == "generic"
    assert down.fingerprint == "1001"
    assert down.action is Action.TRIGGERED
    assert down.name == "API down"
    assert down.severity is Severity.CRITICAL
    assert down.labels == {"service": "api", "region": "eu-west-1"}
    assert down.annotations == {"description": "3 of 3 probes failing"}
    assert down.links == {"runbook": "https://rb/api", "graph": "https://g/api"}
    assert down.starts_at == datetime(2026, 11, 22, 7, 58, tzinfo=UTC)
    assert down.ends_at is None
    assert down.raw == payload["data"]["alerts"][0]

    assert up.fingerprint == "web"
    assert up.action is Action.RESOLVED
    assert up.name == "web"
    # The configured map adds to the default one.
    assert up.severity is Severity.HIGH
    assert (up.labels, up.annotations, up.links) == ({}, {}, {})
    assert up.starts_at == datetime.fromtimestamp(1795334000, UTC)
    assert up.raw == payload["data"]["alerts"][1]


def test_epoch_milliseconds_start() -> None:
    mapping = GenericMapping(starts_at="ts")
    event = only(generic.parse(body(ts=1795334000123), mapping))
    assert event.starts_at == datetime.fromtimestamp(1795334000.123, UTC)


def test_naive_start_is_utc() -> None:
    event = only(generic.parse(body(at="2026-11-22T07:58:00"), GenericMapping(starts_at="at")))
    assert event.starts_at == datetime(2026, 11, 22, 7, 58, tzinfo=UTC)


def test_empty_alert_list_is_no_events() -> None:
    assert generic.parse({"alerts": []}, GenericMapping(alerts_path="alerts")) == []


def test_mapping_from_the_yaml_config_section() -> None:
    config = yaml.safe_load(
        """
generic:
  alerts_path: alerts
  id: fingerprint
  name: labels.alertname
  status: state
  labels: labels
  description: annotations.summary
  links:
    dashboard: dashboardURL
  firing_values: [alerting, pending]
  resolved_values: [normal, ok]
  severity_map:
    page: critical
"""
    )
    mapping = GenericMapping.model_validate(config["generic"])
    payload = {
        "alerts": [
            {
                "fingerprint": "abc",
                "state": "Alerting",
                "labels": {"alertname": "HighLatency", "severity": "page"},
                "annotations": {"summary": "p99 over 2 s"},
                "dashboardURL": "https://grafana/d/1",
            }
        ]
    }
    event = only(generic.parse(payload, mapping))
    assert (event.fingerprint, event.name, event.action) == ("abc", "HighLatency", Action.TRIGGERED)
    assert event.labels == {"alertname": "HighLatency", "severity": "page"}
    assert event.annotations == {"description": "p99 over 2 s"}
    assert event.links == {"dashboard": "https://grafana/d/1"}
    # severity path stays the default "severity", at the top of the alert: absent here.
    assert event.severity is None


def test_optional_fields_can_be_switched_off() -> None:
    mapping = GenericMapping(name=None, severity=None, labels=None, description=None, links={})
    event = only(generic.parse(body(), mapping))
    assert (event.name, event.severity, event.labels, event.annotations, event.links) == (
        "disk-full-db-01",
        None,
        {},
        {},
        {},
    )


def test_links_that_are_not_web_addresses_are_dropped() -> None:
    assert only(generic.parse(body(url="javascript:alert(1)"))).links == {}


def test_long_names_and_descriptions_are_cut() -> None:
    event = only(generic.parse(body(name="n" * 1000, description="d" * 100_000)))
    assert len(event.name) == generic.MAX_NAME and event.name.endswith("\u2026")
    assert len(event.annotations["description"]) == generic.MAX_TEXT


def test_missing_id_names_the_path() -> None:
    payload = body()
    del payload["id"]
    with pytest.raises(PayloadError, match=r"^id \(path 'id'\): missing$"):
        generic.parse(payload)
    with pytest.raises(PayloadError, match=r"id \(path 'alert\.id'\): missing"):
        generic.parse({"alert": {}, "status": "firing"}, GenericMapping(id="alert.id"))


def test_missing_id_in_a_list_names_the_alert() -> None:
    mapping = GenericMapping(alerts_path="items", id="key")
    with pytest.raises(PayloadError, match=r"^items\.1: id \(path 'key'\): missing$"):
        generic.parse({"items": [{"key": "a", "status": "ok"}, {"status": "ok"}]}, mapping)


def test_list_index_out_of_range_is_missing() -> None:
    with pytest.raises(PayloadError, match=r"id \(path 'ids\.3'\): missing"):
        generic.parse({"ids": ["a"], "status": "ok"}, GenericMapping(id="ids.3"))


def test_missing_status() -> None:
    payload = body()
    del payload["status"]
    with pytest.raises(PayloadError, match=r"status \(path 'status'\): missing"):
        generic.parse(payload)


def test_unknown_status_lists_accepted_values() -> None:
    with pytest.raises(PayloadError) as caught:
        generic.parse(body(status="flapping"))
    message = str(caught.value)
    assert message.startswith("status (path 'status'): unknown value 'flapping'")
    for value in (*generic.DEFAULT_FIRING_VALUES, *generic.DEFAULT_RESOLVED_VALUES):
        assert value in message


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"id": {"a": 1}}, r"id \(path 'id'\): expected a string or an integer, found object"),
        ({"id": 1.5}, r"id \(path 'id'\): expected a string or an integer, found number"),
        ({"id": True}, r"id \(path 'id'\): expected a string or an integer, found boolean"),
        ({"id": ""}, r"id \(path 'id'\): must be 1 to 255 characters"),
        ({"id": "x" * 256}, r"id \(path 'id'\): must be 1 to 255 characters"),
        ({"status": ["firing"]}, r"status \(path 'status'\): expected text or a number, found list"),
        ({"name": {"text": "x"}}, r"name \(path 'name'\): expected text or a number, found object"),
        ({"labels": ["a", "b"]}, r"labels \(path 'labels'\): expected an object of labels, found list"),
        ({"url": {"href": "x"}}, r"links\.url \(path 'url'\): expected text or a number"),
        (
            {"labels": {"k": "v" * 5000}},
            r"labels\.k \(path 'labels\.k'\): a label value must be at most 4096",
        ),
    ],
)
def test_wrong_types_name_the_field(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        generic.parse(body(**fields))


def test_start_time_must_be_a_time() -> None:
    mapping = GenericMapping(starts_at="since")
    with pytest.raises(PayloadError, match=r"starts_at \(path 'since'\): expected an ISO 8601 time"):
        generic.parse(body(since="soon"), mapping)
    with pytest.raises(PayloadError, match=r"starts_at \(path 'since'\)"):
        generic.parse(body(since=True), mapping)


def test_alerts_path_must_be_a_list_of_objects() -> None:
    mapping = GenericMapping(alerts_path="alerts")
    with pytest.raises(PayloadError, match=r"alerts_path 'alerts': expected a list of alerts, found nothing"):
        generic.parse({}, mapping)
    with pytest.raises(PayloadError, match=r"found object"):
        generic.parse({"alerts": {"id": 1}}, mapping)
    with pytest.raises(PayloadError, match=r"^alerts\.0: expected an alert object, found text$"):
        generic.parse({"alerts": ["x"]}, mapping)


def test_too_many_alerts() -> None:
    mapping = GenericMapping(alerts_path="alerts")
    alerts = [{"id": n, "status": "ok"} for n in range(generic.MAX_ALERTS + 1)]
    with pytest.raises(PayloadError, match="at most 1000 per body"):
        generic.parse({"alerts": alerts}, mapping)


@pytest.mark.parametrize("bad", ["\x00", "\ud800"], ids=["nul", "surrogate"])
def test_text_no_database_can_store_is_replaced(bad: str) -> None:
    (event,) = generic.parse(
        body(id=f"a{bad}b", name=f"n{bad}", description=f"d{bad}", labels={"k": f"v{bad}", f"k{bad}": "v"})
    )
    assert event.name == "n\ufffd"
    assert event.labels["k"] == "v\ufffd"
    assert event.labels["k\ufffd"] == "v"
    assert "d\ufffd" in event.annotations.values()
    assert bad not in repr(event)


def test_a_status_with_a_nul_is_not_a_known_status() -> None:
    with pytest.raises(PayloadError, match=r"status \(path 'status'\)"):
        generic.parse(body(status="firing\x00"))


def test_ten_thousand_labels_are_refused() -> None:
    labels = {f"label{n}": str(n) for n in range(10_000)}
    with pytest.raises(PayloadError, match=r"labels \(path 'labels'\): 10000 labels; at most 200 per alert"):
        generic.parse(body(labels=labels))


def test_two_hundred_labels_are_fine() -> None:
    labels = {f"label{n}": n for n in range(generic.MAX_LABELS)}
    assert len(only(generic.parse(body(labels=labels))).labels) == 200


def test_nested_labels_are_refused() -> None:
    deep: dict[str, Any] = {}
    cursor = deep
    for _ in range(500):
        cursor["x"] = {}
        cursor = cursor["x"]
    with pytest.raises(
        PayloadError, match=r"labels\.deep \(path 'labels\.deep'\): nested objects are not accepted"
    ):
        generic.parse(body(labels={"ok": "v", "deep": deep}))
    with pytest.raises(PayloadError, match=r"labels\.list .*nested lists are not accepted"):
        generic.parse(body(labels={"list": [1, 2]}))


def test_null_label_values_are_skipped() -> None:
    assert only(generic.parse(body(labels={"a": None, "b": "1"}))).labels == {"b": "1"}


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"idd": "x"}, "idd"),
        ({"id": ""}, "id"),
        ({"id": "alert..id"}, "id"),
        ({"status": ".status"}, "status"),
        ({"alerts_path": "items."}, "alerts_path"),
        ({"firing_values": []}, "firing_values"),
        ({"resolved_values": [""]}, "resolved_values"),
        ({"severity_map": {"sev1": "urgent"}}, "severity_map.sev1"),
        ({"links": {"": "url"}}, "links"),
        ({"links": {"runbook": "a..b"}}, "links"),
    ],
)
def test_bad_mappings_are_refused(config: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        GenericMapping.model_validate(config)
    locations = [".".join(str(part) for part in error["loc"]) for error in caught.value.errors()]
    assert field in locations


def test_a_value_cannot_both_fire_and_resolve() -> None:
    with pytest.raises(ValidationError, match="both firing_values and resolved_values: ok"):
        GenericMapping(firing_values=["firing", "OK"])


def test_mapping_is_frozen() -> None:
    mapping = GenericMapping()
    with pytest.raises(ValidationError):
        mapping.id = "other"  # type: ignore[misc]
