"""AWS Health events (EventBridge envelope or bare detail) → AlertEvent."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from holdoff.ingest import aws_health
from holdoff.ingest.errors import PayloadError
from holdoff.ingest.identity import stable_fingerprint
from holdoff.mediate.model import Action, AlertEvent, Severity

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
# The brief names seed 001, but the two AWS Health test events (detail only) are in seed 002.
SEED_EVENTS = PAYLOADS / "aws-health-seed-detail-events.json"
"""The AWS Health events quoted in the AWS operational-events seed, as its users wrote them."""

ISSUE_ARN = (
    "arn:aws:health:global::event/IAM/AWS_IAM_OPERATIONAL_ISSUE/AWS_FAKE_OPERATIONAL_ISSUE_12345_ABCDEFGHIJK"
)
LIFECYCLE_ARN = "arn:aws:health:ap-southeast-2::event/EKS/AWS_EKS_PLANNED_LIFECYCLE_EVENT/Example1"
DASHBOARD = "https://health.aws.amazon.com/health/home#/account/event-log?eventID="


def sample(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text())  # type: ignore[no-any-return]


def seed_events() -> list[dict[str, Any]]:
    return json.loads(SEED_EVENTS.read_text())  # type: ignore[no-any-return]


def only(events: list[AlertEvent]) -> AlertEvent:
    assert len(events) == 1
    return events[0]


def issue_event(payload: dict[str, Any]) -> None:
    event = only(aws_health.parse(payload))
    assert event.source == "aws-health"
    assert event.fingerprint == stable_fingerprint(
        "444333222111", "a76afee0829c473703943fe5e2edd04cb91c6051-1"
    )
    assert event.action is Action.RESOLVED
    assert event.name == "FAKE AWS_FAKE_OPERATIONAL_ISSUE"
    assert event.severity is Severity.HIGH
    assert event.labels == {
        "account": "444333222111",
        "region": "global",
        "service": "FAKE",
        "event_type": "AWS_FAKE_OPERATIONAL_ISSUE",
        "category": "issue",
        "scope": "PUBLIC",
        "status": "closed",
    }
    assert event.annotations == {"description": "A test operational issue that is happening to your account."}
    assert event.links == {"health_dashboard": DASHBOARD + ISSUE_ARN}
    # starts_at is the event's version (lastUpdatedTime), not its startTime (01:49:40).
    assert event.starts_at == datetime(2024, 2, 22, 19, 39, 38, tzinfo=UTC)
    assert event.ends_at == datetime(2024, 2, 22, 3, 11, 8, tzinfo=UTC)
    assert event.actor is None and event.note is None
    assert event.raw == payload


def lifecycle_event(payload: dict[str, Any]) -> None:
    event = only(aws_health.parse(payload))
    assert event.source == "aws-health"
    assert event.fingerprint == stable_fingerprint("111122223333", "1234567890abcdef023456789-1")
    # "upcoming": the change is scheduled, not done; it is an open alert until AWS closes the event.
    assert event.action is Action.TRIGGERED
    assert event.name == "EKS AWS_EKS_PLANNED_LIFECYCLE_EVENT"
    assert event.severity is Severity.INFO
    assert event.labels == {
        "account": "111122223333",
        "region": "ap-southeast-2",
        "service": "EKS",
        "event_type": "AWS_EKS_PLANNED_LIFECYCLE_EVENT",
        "category": "plannedChange",
        "scope": "ACCOUNT_SPECIFIC",
        "status": "upcoming",
    }
    assert event.annotations == {
        "description": "Amazon EKS has deprecated Kubernetes version 1.2x...",
        "affected_entities": "arn:aws:eks:ap-southeast-2:111122223333:cluster/example1 (RESOLVED), "
        "arn:aws:eks:ap-southeast-2:111122223333:cluster/example3 (PENDING)",
    }
    assert event.links == {"health_dashboard": DASHBOARD + LIFECYCLE_ARN}
    # starts_at is the event's version (lastUpdatedTime), not the planned change's startTime, which lies
    # ahead (2024-01-31); an empty endTime is no end, and an open event has none anyway.
    assert event.starts_at == datetime(2023, 11, 29, 8, 20, tzinfo=UTC)
    assert event.ends_at is None
    assert event.raw == payload
    # The entities stay structured in raw.
    entities = (payload.get("detail") or payload)["affectedEntities"]
    assert [entity["statusCode"] for entity in entities] == ["RESOLVED", "PENDING"]


def test_issue_sample_through_eventbridge() -> None:
    issue_event(sample("aws-health-eventbridge-issue.json"))


def test_lifecycle_sample_through_eventbridge() -> None:
    lifecycle_event(sample("aws-health-eventbridge-lifecycle.json"))


def test_seed_holds_both_test_events() -> None:
    events = seed_events()
    assert [event["eventTypeCategory"] for event in events] == ["plannedChange", "issue"]


def test_seed_lifecycle_test_event_is_the_bare_detail() -> None:
    lifecycle_event(seed_events()[0])


def test_seed_ops_issue_test_event_is_the_bare_detail() -> None:
    issue_event(seed_events()[1])


@pytest.mark.parametrize(
    "name", ["aws-health-eventbridge-issue.json", "aws-health-eventbridge-lifecycle.json"]
)
def test_envelope_and_bare_detail_are_the_same_alert(name: str) -> None:
    envelope = sample(name)
    wrapped = only(aws_health.parse(envelope))
    bare = only(aws_health.parse(envelope["detail"]))
    assert bare.fingerprint == wrapped.fingerprint
    assert (bare.action, bare.name, bare.severity, bare.labels, bare.annotations, bare.links) == (
        wrapped.action,
        wrapped.name,
        wrapped.severity,
        wrapped.labels,
        wrapped.annotations,
        wrapped.links,
    )
    assert (bare.starts_at, bare.ends_at) == (wrapped.starts_at, wrapped.ends_at)


def test_seed_events_match_the_reference_samples() -> None:
    seeds = seed_events()
    assert seeds[0] == sample("aws-health-eventbridge-lifecycle.json")["detail"]
    assert seeds[1] == sample("aws-health-eventbridge-issue.json")["detail"]


def with_detail(**fields: Any) -> dict[str, Any]:
    payload = sample("aws-health-eventbridge-issue.json")
    payload["detail"].update(fields)
    return payload


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("open", Action.TRIGGERED),
        ("upcoming", Action.TRIGGERED),
        ("closed", Action.RESOLVED),
        ("CLOSED", Action.RESOLVED),
        ("Open", Action.TRIGGERED),
    ],
)
def test_status_decides_the_action(status: str, action: Action) -> None:
    event = only(aws_health.parse(with_detail(statusCode=status)))
    assert event.action is action
    assert event.labels["status"] == status.lower()
    # The end time is only an end once the event is closed.
    assert (event.ends_at is not None) is (action is Action.RESOLVED)


def test_update_of_an_open_event_is_newer() -> None:
    first = only(aws_health.parse(with_detail(statusCode="open", endTime="")))
    update = with_detail(statusCode="open", endTime="", lastUpdatedTime="Thu, 22 Feb 2024 20:15:00 GMT")
    updated = only(aws_health.parse(update))
    assert updated.fingerprint == first.fingerprint
    assert (first.action, updated.action) == (Action.TRIGGERED, Action.TRIGGERED)
    assert first.starts_at == datetime(2024, 2, 22, 19, 39, 38, tzinfo=UTC)
    assert updated.starts_at is not None and first.starts_at < updated.starts_at
    # A re-delivery of the first carries the same version.
    assert only(aws_health.parse(with_detail(statusCode="open", endTime=""))).starts_at == first.starts_at


def test_open_then_closed_is_one_alert() -> None:
    opened = only(aws_health.parse(with_detail(statusCode="open", endTime="")))
    closed = only(aws_health.parse(with_detail(statusCode="closed")))
    assert opened.fingerprint == closed.fingerprint
    assert (opened.action, closed.action) == (Action.TRIGGERED, Action.RESOLVED)
    assert opened.ends_at is None


@pytest.mark.parametrize(
    ("category", "severity"),
    [
        ("issue", Severity.HIGH),
        ("investigation", Severity.WARNING),
        ("scheduledChange", Severity.INFO),
        ("plannedChange", Severity.INFO),
        ("accountNotification", Severity.LOW),
        ("somethingNew", None),
    ],
)
def test_category_decides_the_severity(category: str, severity: Severity | None) -> None:
    event = only(aws_health.parse(with_detail(eventTypeCategory=category)))
    assert event.severity is severity
    assert event.labels["category"] == category


def test_identity_falls_back_to_the_event_arn() -> None:
    payload = with_detail()
    del payload["detail"]["communicationId"]
    assert only(aws_health.parse(payload)).fingerprint == stable_fingerprint("444333222111", ISSUE_ARN)


def test_identity_is_per_affected_account() -> None:
    # Organisational view: the same communication to two member accounts is two alerts.
    first = only(aws_health.parse(with_detail(affectedAccount="111111111111")))
    second = only(aws_health.parse(with_detail(affectedAccount="222222222222")))
    assert first.fingerprint != second.fingerprint
    assert first.labels["account"] == "111111111111"


def test_envelope_account_when_the_detail_has_none() -> None:
    payload = with_detail()
    del payload["detail"]["affectedAccount"]
    event = only(aws_health.parse(payload))
    assert event.labels["account"] == "444333222111"
    assert event.fingerprint == stable_fingerprint(
        "444333222111", "a76afee0829c473703943fe5e2edd04cb91c6051-1"
    )


def test_bare_detail_without_an_account_is_refused() -> None:
    detail = with_detail()["detail"]
    del detail["affectedAccount"]
    with pytest.raises(PayloadError, match=r"detail\.affectedAccount"):
        aws_health.parse(detail)


def test_envelope_region_when_the_detail_has_none() -> None:
    payload = with_detail()
    del payload["detail"]["eventRegion"]
    assert only(aws_health.parse(payload)).labels["region"] == "us-east-1"


def test_english_description_is_preferred() -> None:
    payload = with_detail(
        eventDescription=[
            {"language": "fr_FR", "latestDescription": "Un problème."},
            {"language": "en_US", "latestDescription": "A problem."},
        ]
    )
    assert only(aws_health.parse(payload)).annotations["description"] == "A problem."
    payload = with_detail(eventDescription=[{"language": "ja_JP", "latestDescription": "問題"}])
    assert only(aws_health.parse(payload)).annotations["description"] == "問題"
    assert "description" not in only(aws_health.parse(with_detail(eventDescription=[]))).annotations


def test_affected_entities_are_capped_in_the_annotation() -> None:
    entities = [{"entityValue": f"i-{n:04d}"} for n in range(150)]
    payload = with_detail(affectedEntities=entities)
    event = only(aws_health.parse(payload))
    listed = event.annotations["affected_entities"]
    assert listed.startswith("i-0000, i-0001, ")
    assert listed.endswith("i-0019 and 130 more")
    assert event.raw is not None and len(event.raw["detail"]["affectedEntities"]) == 150


def test_envelope_resources_listed_when_there_are_no_entities() -> None:
    payload = sample("aws-health-eventbridge-lifecycle.json")
    del payload["detail"]["affectedEntities"]
    event = only(aws_health.parse(payload))
    assert event.annotations["affected_entities"] == ", ".join(payload["resources"])


def test_iso_times_are_accepted_too() -> None:
    payload = with_detail(
        startTime="2024-02-22T01:49:40Z",
        endTime="2024-02-22T03:11:08",
        lastUpdatedTime="2024-02-22T19:39:38Z",
    )
    event = only(aws_health.parse(payload))
    assert event.starts_at == datetime(2024, 2, 22, 19, 39, 38, tzinfo=UTC)
    assert event.ends_at == datetime(2024, 2, 22, 3, 11, 8, tzinfo=UTC)
    # Without a lastUpdatedTime, starts_at falls back to the startTime.
    del payload["detail"]["lastUpdatedTime"]
    assert only(aws_health.parse(payload)).starts_at == datetime(2024, 2, 22, 1, 49, 40, tzinfo=UTC)


def test_custom_envelope_source_is_accepted() -> None:
    # EventBridge refuses aws.* sources in PutEvents: hand-sent test events use their own.
    payload = with_detail()
    payload["source"] = "my.health.test"
    assert only(aws_health.parse(payload)).action is Action.RESOLVED


def test_dashboard_link_escapes_odd_characters() -> None:
    event = only(aws_health.parse(with_detail(eventArn="arn:aws:health:global::event/X/Y/a b#c")))
    assert event.links["health_dashboard"] == DASHBOARD + "arn:aws:health:global::event/X/Y/a%20b%23c"


def test_not_a_health_event() -> None:
    with pytest.raises(PayloadError, match="eventArn"):
        aws_health.parse({"AlarmName": "cpu", "NewStateValue": "ALARM"})


@pytest.mark.parametrize("field", ["eventArn", "service", "eventTypeCode", "eventTypeCategory", "statusCode"])
def test_missing_required_field_is_named(field: str) -> None:
    payload = with_detail()
    del payload["detail"][field]
    with pytest.raises(ValidationError, match=rf"detail\.{field}\n"):
        aws_health.parse(payload)


def test_missing_field_of_the_bare_detail_is_named() -> None:
    detail = with_detail()["detail"]
    del detail["service"]
    with pytest.raises(ValidationError, match=r"(?m)^service$"):
        aws_health.parse(detail)


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"(?s)detail\.statusCode.*open, upcoming or closed"):
        aws_health.parse(with_detail(statusCode="ongoing"))


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"service": 42}, r"detail\.service"),
        ({"eventArn": ["a"]}, r"detail\.eventArn"),
        ({"eventDescription": "text"}, r"detail\.eventDescription"),
        ({"affectedEntities": {"entityValue": "x"}}, r"detail\.affectedEntities"),
        ({"startTime": "yesterday"}, r"detail\.startTime"),
        ({"startTime": True}, r"detail\.startTime"),
        ({"endTime": {"at": 1}}, r"detail\.endTime"),
    ],
)
def test_wrong_types_are_named(fields: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError, match=where):
        aws_health.parse(with_detail(**fields))


def test_detail_that_is_not_an_object() -> None:
    with pytest.raises(ValidationError, match=r"(?m)^detail$"):
        aws_health.parse({"source": "aws.health", "detail": "closed"})


@pytest.mark.parametrize("field", ["service", "eventTypeCode", "communicationId", "affectedAccount"])
@pytest.mark.parametrize("bad", ["\x00", "\ud800"], ids=["nul", "surrogate"])
def test_text_no_database_can_store_is_replaced(field: str, bad: str) -> None:
    (event,) = aws_health.parse(with_detail(**{field: f"bad{bad}value"}))
    shown = repr((event.name, event.fingerprint, event.labels, event.annotations))
    assert bad not in shown
    if field != "communicationId":  # an identity only: it is part of the fingerprint's hash
        assert "bad\ufffdvalue" in shown


def test_nul_in_a_description_is_replaced() -> None:
    payload = with_detail(eventDescription=[{"language": "en", "latestDescription": "a\x00b"}])
    (event,) = aws_health.parse(payload)
    assert "a\ufffdb" in repr(event.annotations)


def test_too_many_entities_is_refused() -> None:
    payload = with_detail(affectedEntities=[{"entityValue": "x"}] * 10_001)
    with pytest.raises(ValidationError, match=r"detail\.affectedEntities"):
        aws_health.parse(payload)


def test_unused_deeply_nested_fields_are_kept_not_read() -> None:
    nested: dict[str, Any] = {}
    cursor = nested
    for _ in range(200):
        cursor["next"] = {}
        cursor = cursor["next"]
    payload = with_detail(eventMetadata=nested)
    event = only(aws_health.parse(copy.deepcopy(payload)))
    assert event.raw == payload
