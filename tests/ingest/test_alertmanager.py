"""Alertmanager webhook (version 4) → AlertEvent."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from holdoff.ingest import alertmanager
from holdoff.ingest.errors import PayloadError
from holdoff.ingest.identity import label_set_fingerprint
from holdoff.mediate.model import Action, AlertEvent, Severity

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"

LABELS = {"alertname": "HighCPU", "instance": "web-01", "severity": "critical"}
GROUP_LINK = "http://vm:9093/#/alerts?receiver=hook&filter=%7Balertname%3D%22HighCPU%22%7D"


def sample(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text())  # type: ignore[no-any-return]


def alert(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": "firing",
        "labels": {"alertname": "DiskFull", "instance": "db-01"},
        "annotations": {},
        "startsAt": "2026-11-22T08:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "",
        "fingerprint": "0123456789abcdef",
    }
    body.update(fields)
    return body


def webhook(*alerts: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": "4",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "holdoff",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "",
        "alerts": list(alerts),
    }
    body.update(fields)
    return body


def one(payload: dict[str, Any]) -> AlertEvent:
    events = alertmanager.parse(payload)
    assert len(events) == 1
    return events[0]


# The reference samples, captured from a real Alertmanager 0.25.


def test_firing_sample() -> None:
    payload = sample("alertmanager-webhook-firing.json")
    event = one(payload)
    assert event.source == "alertmanager"
    assert event.fingerprint == "8907c632687e21f5"
    assert event.action is Action.TRIGGERED
    assert event.name == "HighCPU"
    assert event.severity is Severity.CRITICAL
    assert event.labels == LABELS
    assert event.annotations == {"summary": "CPU > 95% for 5m"}
    assert event.links == {"generator": "http://127.0.0.1:9090/graph", "alertmanager": GROUP_LINK}
    assert event.starts_at == datetime(2026, 11, 22, 7, 57, 34, 449758, tzinfo=UTC)
    assert event.starts_at is not None and event.starts_at.tzinfo is UTC
    assert event.ends_at is None
    assert event.actor is None and event.note is None
    envelope = {key: value for key, value in payload.items() if key != "alerts"}
    assert event.raw == {"envelope": envelope, "alert": payload["alerts"][0]}


def test_resolved_sample() -> None:
    payload = sample("alertmanager-webhook-resolved.json")
    event = one(payload)
    assert event.source == "alertmanager"
    assert event.fingerprint == "8907c632687e21f5"
    assert event.action is Action.RESOLVED
    assert event.name == "HighCPU"
    assert event.severity is Severity.CRITICAL
    assert event.labels == LABELS
    assert event.annotations == {"summary": "CPU > 95% for 5m"}
    assert event.links == {"generator": "http://127.0.0.1:9090/graph", "alertmanager": GROUP_LINK}
    assert event.starts_at == datetime(2026, 11, 22, 7, 57, 34, 449758, tzinfo=UTC)
    assert event.ends_at == datetime(2026, 11, 22, 7, 59, 28, tzinfo=UTC)
    assert event.ends_at is not None and event.ends_at.tzinfo is UTC
    assert event.raw is not None and event.raw["alert"]["status"] == "resolved"


def test_firing_and_resolved_samples_are_one_occurrence_of_one_alert() -> None:
    fired = one(sample("alertmanager-webhook-firing.json"))
    resolved = one(sample("alertmanager-webhook-resolved.json"))
    assert (fired.source, fired.fingerprint, fired.starts_at) == (
        resolved.source,
        resolved.fingerprint,
        resolved.starts_at,
    )


def test_group_link_opens_in_the_alertmanager_ui_filtered_to_the_group() -> None:
    link = one(sample("alertmanager-webhook-firing.json")).links["alertmanager"]
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "vm:9093", "/")
    route, _, query = parts.fragment.partition("?")
    assert route == "/alerts"
    assert parse_qs(query) == {"receiver": ["hook"], "filter": ['{alertname="HighCPU"}']}


def test_parse_does_not_modify_the_payload() -> None:
    payload = sample("alertmanager-webhook-firing.json")
    before = copy.deepcopy(payload)
    alertmanager.parse(payload)
    assert payload == before


# Many alerts per webhook.


def test_mixed_webhook_gives_one_event_per_alert_in_order() -> None:
    payload = webhook(
        alert(labels={"alertname": "A"}, fingerprint="a"),
        alert(
            status="resolved",
            labels={"alertname": "B"},
            fingerprint="b",
            endsAt="2026-11-22T08:05:00Z",
        ),
        alert(labels={"alertname": "C"}, fingerprint="c"),
        alert(status="resolved", labels={"alertname": "D"}, fingerprint="d", endsAt="2026-11-22T08:06:00Z"),
    )
    events = alertmanager.parse(payload)
    assert [(e.fingerprint, e.name, e.action) for e in events] == [
        ("a", "A", Action.TRIGGERED),
        ("b", "B", Action.RESOLVED),
        ("c", "C", Action.TRIGGERED),
        ("d", "D", Action.RESOLVED),
    ]
    assert [e.ends_at for e in events] == [
        None,
        datetime(2026, 11, 22, 8, 5, tzinfo=UTC),
        None,
        datetime(2026, 11, 22, 8, 6, tzinfo=UTC),
    ]
    assert [e.raw["alert"] for e in events if e.raw] == payload["alerts"]


def test_empty_alert_list_gives_no_events() -> None:
    assert alertmanager.parse(webhook()) == []


def test_a_thousand_alerts_are_accepted() -> None:
    alerts = [alert(labels={"alertname": "A", "n": str(n)}, fingerprint=f"f{n}") for n in range(1000)]
    events = alertmanager.parse(webhook(*alerts))
    assert [e.fingerprint for e in events] == [f"f{n}" for n in range(1000)]


# Times.


def test_zero_times_mean_not_set() -> None:
    event = one(webhook(alert(startsAt="0001-01-01T00:00:00Z", status="resolved")))
    assert event.starts_at is None
    assert event.ends_at is None


@pytest.mark.parametrize("zero", ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z", None])
def test_resolved_without_an_end_time(zero: str | None) -> None:
    assert one(webhook(alert(status="resolved", endsAt=zero))).ends_at is None


def test_missing_times_are_none() -> None:
    body = alert()
    del body["startsAt"], body["endsAt"]
    event = one(webhook(body))
    assert (event.starts_at, event.ends_at) == (None, None)


def test_firing_alert_ignores_a_future_end_time() -> None:
    assert one(webhook(alert(endsAt="2026-11-22T09:00:00Z"))).ends_at is None


def test_times_are_converted_to_utc() -> None:
    event = one(
        webhook(alert(status="resolved", startsAt="2026-11-22T10:00:00+02:00", endsAt="2026-11-22T08:30:00"))
    )
    assert event.starts_at == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert event.starts_at is not None and event.starts_at.tzinfo is UTC
    assert event.ends_at == datetime(2026, 11, 22, 8, 30, tzinfo=UTC)
    assert event.ends_at is not None and event.ends_at.tzinfo is UTC


# Identity and name.


def test_missing_fingerprint_is_a_stable_hash_of_the_labels() -> None:
    first = one(webhook(alert(fingerprint=None, labels={"alertname": "X", "job": "node", "instance": "a"})))
    body = alert(labels={"instance": "a", "job": "node", "alertname": "X"})
    del body["fingerprint"]
    second = one(webhook(body))
    assert first.fingerprint == second.fingerprint
    assert first.fingerprint == label_set_fingerprint({"alertname": "X", "instance": "a", "job": "node"})
    other = one(webhook(alert(fingerprint="", labels={"alertname": "X", "job": "node", "instance": "b"})))
    assert other.fingerprint != first.fingerprint


def test_name_is_the_fingerprint_without_an_alertname() -> None:
    event = one(webhook(alert(labels={"job": "node"}, fingerprint="feedface")))
    assert event.name == "feedface"
    hashed = one(webhook(alert(labels={"job": "node"}, fingerprint=None)))
    assert hashed.name == hashed.fingerprint == label_set_fingerprint({"job": "node"})


def test_a_very_long_alertname_is_shortened_for_the_name_only() -> None:
    long_name = "x" * 4000
    event = one(webhook(alert(labels={"alertname": long_name})))
    assert len(event.name) == alertmanager.MAX_NAME
    assert event.name == "x" * (alertmanager.MAX_NAME - 1) + "\N{HORIZONTAL ELLIPSIS}"
    assert event.labels["alertname"] == long_name


def test_source_can_be_renamed() -> None:
    event = alertmanager.parse(sample("alertmanager-webhook-firing.json"), source="alertmanager-eu")[0]
    assert event.source == "alertmanager-eu"
    assert alertmanager.SOURCE == "alertmanager"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("FIRING", Action.TRIGGERED),
        ("Firing", Action.TRIGGERED),
        (" firing ", Action.TRIGGERED),
        ("RESOLVED", Action.RESOLVED),
        ("Resolved", Action.RESOLVED),
    ],
)
def test_status_is_case_insensitive(status: str, action: Action) -> None:
    assert one(webhook(alert(status=status), status=status)).action is action


# Severity.


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("critical", Severity.CRITICAL),
        ("page", Severity.CRITICAL),
        ("P1", Severity.CRITICAL),
        ("error", Severity.HIGH),
        ("high", Severity.HIGH),
        ("major", Severity.HIGH),
        ("p2", Severity.HIGH),
        ("warning", Severity.WARNING),
        ("warn", Severity.WARNING),
        ("minor", Severity.WARNING),
        ("p3", Severity.WARNING),
        ("info", Severity.INFO),
        ("informational", Severity.INFO),
        ("notice", Severity.INFO),
        ("p4", Severity.INFO),
        ("low", Severity.LOW),
        ("debug", Severity.LOW),
        ("none", Severity.LOW),
        ("p5", Severity.LOW),
        (" Critical ", Severity.CRITICAL),
        ("WARNING", Severity.WARNING),
        ("sev-unknown", None),
        ("", None),
    ],
)
def test_severity_label(value: str, expected: Severity | None) -> None:
    assert one(webhook(alert(labels={"alertname": "A", "severity": value}))).severity is expected


def test_priority_label_when_severity_is_absent_or_unknown() -> None:
    assert one(webhook(alert(labels={"alertname": "A", "priority": "P2"}))).severity is Severity.HIGH
    both = {"alertname": "A", "severity": "bogus", "priority": "p4"}
    assert one(webhook(alert(labels=both))).severity is Severity.INFO
    first = {"alertname": "A", "severity": "warning", "priority": "p1"}
    assert one(webhook(alert(labels=first))).severity is Severity.WARNING


def test_no_severity_label() -> None:
    assert one(webhook(alert(labels={"alertname": "A"}))).severity is None


def test_every_documented_value_maps() -> None:
    assert set(alertmanager.SEVERITIES.values()) == set(Severity)
    for value, expected in alertmanager.SEVERITIES.items():
        assert alertmanager.severity({"severity": value.upper()}) is expected


# Links and annotations.


def test_links_without_external_url_or_generator() -> None:
    assert one(webhook(alert(generatorURL=""), externalURL="")).links == {}
    body = alert()
    del body["generatorURL"]
    payload = webhook(body)
    del payload["externalURL"]
    assert one(payload).links == {}


def test_group_link_escapes_receiver_and_label_values() -> None:
    payload = webhook(
        alert(generatorURL="http://prom:9090/graph?g0.expr=up"),
        receiver="team.a (prod)",
        externalURL="https://am.example/alertmanager/",
        groupLabels={"alertname": 'Disk "full"', "path": "C:\\data"},
    )
    link = one(payload).links["alertmanager"]
    assert link.startswith("https://am.example/alertmanager/#/alerts?")
    query = parse_qs(link.partition("#/alerts?")[2])
    assert query == {
        "receiver": [r"team\.a \(prod\)"],
        "filter": ['{alertname="Disk \\"full\\"",path="C:\\\\data"}'],
    }
    assert " " not in link
    assert one(payload).links["generator"] == "http://prom:9090/graph?g0.expr=up"


def test_group_link_without_receiver_or_group_labels() -> None:
    payload = webhook(alert(), externalURL="http://am:9093", groupLabels={})
    del payload["receiver"]
    assert one(payload).links == {"alertmanager": "http://am:9093/#/alerts"}


def test_annotations_are_kept_as_strings() -> None:
    annotations = {"summary": "Disk 95% full", "description": "multi\nline", "runbook_url": "http://wiki/x"}
    event = one(webhook(alert(annotations=annotations)))
    assert event.annotations == annotations


def test_extras_are_ignored_but_kept_in_raw() -> None:
    payload = webhook(alert(somethingNew={"x": 1}), notification_reason="repeat", futureField=[1, 2])
    event = one(payload)
    assert event.raw is not None
    assert "alerts" not in event.raw["envelope"]
    assert event.raw["envelope"]["futureField"] == [1, 2]
    assert event.raw["envelope"]["notification_reason"] == "repeat"
    assert event.raw["alert"]["somethingNew"] == {"x": 1}


def test_numeric_version_is_accepted() -> None:
    assert alertmanager.AlertmanagerWebhook.model_validate(webhook(version=4)).version == "4"


def test_json_schema_is_available_for_openapi() -> None:
    schema = alertmanager.AlertmanagerWebhook.model_json_schema()
    assert "alerts" in schema["required"]
    assert {"externalURL", "groupLabels", "truncatedAlerts"} <= set(schema["properties"])


# Invalid input: a clear error naming the field, never a crash.


def _drop_alerts(payload: dict[str, Any]) -> None:
    del payload["alerts"]


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        target: Any = payload
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return change


INVALID = [
    pytest.param(_drop_alerts, ("alerts",), "Field required", id="missing-alerts"),
    pytest.param(_set(("alerts",), {"0": {}}), ("alerts",), "must be a list of alerts", id="alerts-object"),
    pytest.param(_set(("alerts",), "firing"), ("alerts",), "must be a list of alerts", id="alerts-string"),
    pytest.param(_set(("alerts",), None), ("alerts",), "must be a list of alerts", id="alerts-null"),
    pytest.param(_set(("alerts", 0), "HighCPU"), ("alerts", 0), "valid dictionary", id="alert-string"),
    pytest.param(
        _set(("alerts", 0, "labels"), ["alertname", "x"]),
        ("alerts", 0, "labels"),
        "valid dictionary",
        id="labels-list",
    ),
    pytest.param(_set(("alerts", 0, "labels"), {}), ("alerts", 0, "labels"), "at least 1", id="labels-empty"),
    pytest.param(
        _set(("alerts", 0, "labels", "severity"), 3),
        ("alerts", 0, "labels", "severity"),
        "valid string",
        id="label-value-number",
    ),
    pytest.param(
        _set(("alerts", 0, "startsAt"), "yesterday"),
        ("alerts", 0, "startsAt"),
        "valid datetime",
        id="startsAt-text",
    ),
    pytest.param(
        _set(("alerts", 0, "startsAt"), 1700000000),
        ("alerts", 0, "startsAt"),
        "RFC 3339",
        id="startsAt-number",
    ),
    pytest.param(
        _set(("alerts", 0, "endsAt"), "2026-13-01T00:00:00Z"),
        ("alerts", 0, "endsAt"),
        "valid datetime",
        id="endsAt-bad-month",
    ),
    pytest.param(
        _set(("alerts", 0, "startsAt"), "9999-12-31T23:00:00-05:00"),
        ("alerts", 0, "startsAt"),
        "time out of range",
        id="startsAt-overflow",
    ),
    pytest.param(
        _set(("alerts", 0, "status"), "pending"),
        ("alerts", 0, "status"),
        "unknown status 'pending': expected firing or resolved",
        id="unknown-status",
    ),
    pytest.param(
        _set(("alerts", 0, "status"), None), ("alerts", 0, "status"), "valid string", id="status-null"
    ),
    pytest.param(
        lambda payload: payload["alerts"][0].pop("status"),
        ("alerts", 0, "status"),
        "Field required",
        id="status-missing",
    ),
    pytest.param(
        lambda payload: payload["alerts"][0].pop("labels"),
        ("alerts", 0, "labels"),
        "Field required",
        id="labels-missing",
    ),
    pytest.param(_set(("status",), "maybe"), ("status",), "unknown status 'maybe'", id="envelope-status"),
    pytest.param(
        _set(("alerts", 0, "annotations"), {"summary": ["a"]}),
        ("alerts", 0, "annotations", "summary"),
        "valid string",
        id="annotation-list",
    ),
    pytest.param(
        _set(("truncatedAlerts",), -1), ("truncatedAlerts",), "greater than or equal to 0", id="truncated"
    ),
    pytest.param(
        _set(("alerts", 0, "fingerprint"), "f" * 256),
        ("alerts", 0, "fingerprint"),
        "at most 255 characters",
        id="fingerprint-too-long",
    ),
    pytest.param(
        _set(("alerts", 0, "labels"), {f"label_{n}": "v" for n in range(10_000)}),
        ("alerts", 0, "labels"),
        "too many labels: at most 200 allowed, got 10,000",
        id="10000-labels",
    ),
    pytest.param(
        _set(("alerts", 0, "labels"), {f"label_{n}": "v" for n in range(201)}),
        ("alerts", 0, "labels"),
        "at most 200",
        id="201-labels",
    ),
    pytest.param(
        _set(("alerts", 0, "labels", "n" * 257), "v"),
        ("alerts", 0, "labels"),
        "longer than 256 characters",
        id="label-name-too-long",
    ),
    pytest.param(
        _set(("alerts", 0, "labels", ""), "v"),
        ("alerts", 0, "labels", "", "[key]"),
        "at least 1 character",
        id="label-name-empty",
    ),
    pytest.param(
        _set(("alerts", 0, "labels", "instance"), "v" * 4097),
        ("alerts", 0, "labels", "instance"),
        "at most 4096 characters",
        id="label-value-too-long",
    ),
    pytest.param(
        _set(("commonLabels",), {f"label_{n}": "v" for n in range(10_000)}),
        ("commonLabels",),
        "too many labels",
        id="common-labels-10000",
    ),
]


@pytest.mark.parametrize(("change", "loc", "message"), INVALID)
def test_invalid_input_names_the_field(
    change: Callable[[dict[str, Any]], None], loc: tuple[str | int, ...], message: str
) -> None:
    payload = sample("alertmanager-webhook-firing.json")
    change(payload)
    with pytest.raises((ValidationError, PayloadError)) as caught:
        alertmanager.parse(payload)
    assert isinstance(caught.value, ValidationError)
    errors = caught.value.errors()
    assert [error["loc"] for error in errors] == [loc], errors
    assert message in errors[0]["msg"]


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\udfff"], ids=["nul", "high-surrogate", "low-surrogate"])
def test_text_no_database_can_store_is_replaced_not_refused(bad: str) -> None:
    payload = sample("alertmanager-webhook-firing.json")
    first = payload["alerts"][0]
    first["labels"]["instance"] = f"web{bad}01"
    first["labels"][f"in{bad}stance"] = "web"
    first["annotations"]["summary"] = f"CPU{bad}"
    first["generatorURL"] = f"http://x/{bad}"
    payload["receiver"] = f"hook{bad}"
    event = alertmanager.parse(payload)[0]
    assert event.labels["instance"] == "web\ufffd01"
    assert event.labels["in\ufffdstance"] == "web"
    assert event.annotations["summary"] == "CPU\ufffd"
    assert all(bad not in text for text in (*event.labels, *event.labels.values(), *event.links.values()))


def test_too_many_alerts() -> None:
    alerts = [alert(labels={"alertname": "A", "n": str(n)}) for n in range(1001)]
    with pytest.raises(ValidationError) as caught:
        alertmanager.parse(webhook(*alerts))
    errors = caught.value.errors()
    assert [error["loc"] for error in errors] == [("alerts",)]
    assert "too many alerts in one webhook: at most 1,000 allowed, got 1,001" in errors[0]["msg"]


def test_limits_are_inclusive() -> None:
    labels = {f"label_{n}": "v" * alertmanager.MAX_LABEL_VALUE for n in range(alertmanager.MAX_LABELS - 1)}
    labels["n" * alertmanager.MAX_LABEL_NAME] = "x"
    event = one(webhook(alert(labels=labels, fingerprint="f" * 255)))
    assert len(event.labels) == 200
    assert event.fingerprint == "f" * 255


def test_one_bad_alert_rejects_the_whole_webhook_and_says_which() -> None:
    payload = webhook(alert(), alert(), alert(status="unknown"))
    with pytest.raises(ValidationError) as caught:
        alertmanager.parse(payload)
    assert [error["loc"] for error in caught.value.errors()] == [("alerts", 2, "status")]


def test_label_hash_is_alertmanagers_own_fingerprint() -> None:
    # The reference sample, captured from a real Alertmanager, carries the fingerprint it computed.
    alert = json.loads((PAYLOADS / "alertmanager-webhook-firing.json").read_text())["alerts"][0]
    assert label_set_fingerprint(alert["labels"]) == alert["fingerprint"] == "8907c632687e21f5"
