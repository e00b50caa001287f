"""AWS Security Hub findings through EventBridge (ASFF and OCSF) → AlertEvent."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from holdoff.ingest import securityhub
from holdoff.ingest.errors import PayloadError
from holdoff.ingest.identity import stable_fingerprint
from holdoff.mediate.model import Action, AlertEvent, Severity

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"

FINDING_ID = "arn:aws:guardduty:us-east-1:111122223333:detector/abc/finding/def"
PRODUCT_ARN = "arn:aws:securityhub:us-east-1::product/aws/guardduty"
INSTANCE_ARN = "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc123def4567890"


def sample() -> dict[str, Any]:
    return json.loads((PAYLOADS / "securityhub-finding-asff.json").read_text())  # type: ignore[no-any-return]


def only(events: list[AlertEvent]) -> AlertEvent:
    assert len(events) == 1
    return events[0]


def with_finding(**fields: Any) -> dict[str, Any]:
    payload = sample()
    payload["detail"]["findings"][0].update(fields)
    return payload


def ocsf_finding(**fields: Any) -> dict[str, Any]:
    """A Security Hub OCSF (Findings Imported V2) detection finding, as documented by OCSF 1.1+."""
    finding: dict[str, Any] = {
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "type_uid": 200401,
        "severity_id": 4,
        "severity": "High",
        "status_id": 1,
        "status": "New",
        "time": 1795333800000,
        "finding_info": {
            "uid": "arn:aws:guardduty:us-east-1:111122223333:detector/abc/finding/ocsf1",
            "title": "EC2 instance is querying a domain used for crypto mining",
            "desc": "i-0abc123def4567890 queried pool.example.net.",
            "types": ["CryptoCurrency:EC2/BitcoinTool.B!DNS"],
            "created_time": 1795333500000,
            "created_time_dt": "2026-11-22T07:45:00Z",
            "first_seen_time_dt": "2026-11-22T07:44:00Z",
            "modified_time_dt": "2026-11-22T07:50:00Z",
            "src_url": "https://console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?search=id%3Docsf1",
            "analytic": {"uid": "CryptoCurrency:EC2/BitcoinTool.B!DNS", "type_id": 1},
        },
        "cloud": {
            "provider": "AWS",
            "region": "us-east-1",
            "account": {"uid": "111122223333", "type_id": 10},
        },
        "resources": [{"uid": INSTANCE_ARN, "type": "AWS::EC2::Instance", "region": "us-east-1"}],
        "metadata": {
            "version": "1.1.0",
            "product": {"name": "GuardDuty", "vendor_name": "AWS", "uid": PRODUCT_ARN},
        },
        "remediation": {
            "desc": "Isolate the instance and rotate its credentials.",
            "references": ["https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_remediate.html"],
        },
    }
    finding.update(fields)
    return finding


def ocsf_event(*findings: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "3f1e0c2d-6b7a-4c9d-8e5f-102938475601",
        "detail-type": "Findings Imported V2",
        "source": "aws.securityhub",
        "account": "111122223333",
        "time": "2026-11-22T07:50:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {"findings": list(findings) or [ocsf_finding()]},
    }


def test_asff_sample() -> None:
    payload = sample()
    event = only(securityhub.parse(payload))
    assert event.source == "securityhub"
    assert event.fingerprint == stable_fingerprint(PRODUCT_ARN, FINDING_ID)
    assert event.action is Action.TRIGGERED
    assert event.name == "SSH brute force attacks against i-0abc123def4567890"
    assert event.severity is Severity.HIGH
    assert event.labels == {
        "account": "111122223333",
        "region": "us-east-1",
        "product": "aws/guardduty",
        "generator": "arn:aws:guardduty:us-east-1:111122223333:detector/abc",
        "types": "TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce",
        "resource_type": "AwsEc2Instance",
        "resource_id": INSTANCE_ARN,
    }
    assert event.annotations == {
        "description": "198.51.100.7 is performing SSH brute force attacks against i-0abc123def4567890."
    }
    assert event.links == {}
    # starts_at is the finding's version (UpdatedAt), not its CreatedAt (07:35).
    assert event.starts_at == datetime(2026, 11, 22, 7, 39, tzinfo=UTC)
    assert event.ends_at is None
    assert event.actor is None and event.note is None
    assert event.raw == payload


@pytest.mark.parametrize(
    ("fields", "action"),
    [
        ({"Workflow": {"Status": "NEW"}}, Action.TRIGGERED),
        ({"Workflow": {"Status": "NOTIFIED"}}, Action.TRIGGERED),
        ({"Workflow": {"Status": "RESOLVED"}}, Action.RESOLVED),
        ({"Workflow": {"Status": "SUPPRESSED"}}, Action.RESOLVED),
        ({"RecordState": "ARCHIVED"}, Action.RESOLVED),
        ({"Workflow": {"Status": "NEW"}, "RecordState": "ARCHIVED"}, Action.RESOLVED),
        ({"Compliance": {"Status": "PASSED"}}, Action.RESOLVED),
        ({"Compliance": {"Status": "FAILED"}}, Action.TRIGGERED),
    ],
)
def test_asff_workflow_and_record_state(fields: dict[str, Any], action: Action) -> None:
    event = only(securityhub.parse(with_finding(**fields)))
    assert event.action is action
    assert event.fingerprint == stable_fingerprint(PRODUCT_ARN, FINDING_ID)
    # A resolved finding ends when it was last updated.
    expected_end = datetime(2026, 11, 22, 7, 39, tzinfo=UTC) if action is Action.RESOLVED else None
    assert event.ends_at == expected_end


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ({"Label": "CRITICAL"}, Severity.CRITICAL),
        ({"Label": "HIGH"}, Severity.HIGH),
        ({"Label": "MEDIUM"}, Severity.WARNING),
        ({"Label": "LOW"}, Severity.LOW),
        ({"Label": "INFORMATIONAL"}, Severity.INFO),
        ({"Label": "medium"}, Severity.WARNING),
        ({"Normalized": 95}, Severity.CRITICAL),
        ({"Normalized": 70}, Severity.HIGH),
        ({"Normalized": 40}, Severity.WARNING),
        ({"Normalized": 1}, Severity.LOW),
        ({"Normalized": 0}, Severity.INFO),
        ({"Label": "WHATEVER"}, None),
        ({}, None),
    ],
)
def test_asff_severity(severity: dict[str, Any], expected: Severity | None) -> None:
    assert only(securityhub.parse(with_finding(Severity=severity))).severity is expected


def test_asff_reopened_finding_is_newer_than_its_resolve() -> None:
    resolved = only(securityhub.parse(with_finding(Workflow={"Status": "RESOLVED"})))
    reopened = only(
        securityhub.parse(with_finding(Workflow={"Status": "NEW"}, UpdatedAt="2026-11-22T08:15:00.000Z"))
    )
    assert reopened.fingerprint == resolved.fingerprint
    assert (resolved.action, reopened.action) == (Action.RESOLVED, Action.TRIGGERED)
    assert resolved.starts_at == datetime(2026, 11, 22, 7, 39, tzinfo=UTC)
    assert reopened.starts_at == datetime(2026, 11, 22, 8, 15, tzinfo=UTC)
    assert resolved.starts_at < reopened.starts_at
    assert reopened.ends_at is None


def test_asff_remediation_and_source_url() -> None:
    payload = with_finding(
        Remediation={"Recommendation": {"Text": "Block the address.", "Url": "https://docs.example.com/fix"}},
        SourceUrl="https://console.aws.amazon.com/guardduty/home#/findings",
        FirstObservedAt="2026-11-22T07:30:00Z",
    )
    event = only(securityhub.parse(payload))
    assert event.annotations == {
        "description": "198.51.100.7 is performing SSH brute force attacks against i-0abc123def4567890.",
        "remediation": "Block the address.",
        "remediation_url": "https://docs.example.com/fix",
    }
    assert event.links == {
        "remediation": "https://docs.example.com/fix",
        "source": "https://console.aws.amazon.com/guardduty/home#/findings",
    }
    # UpdatedAt (the finding's version) comes first; without it FirstObservedAt, then CreatedAt.
    assert event.starts_at == datetime(2026, 11, 22, 7, 39, tzinfo=UTC)
    del payload["detail"]["findings"][0]["UpdatedAt"]
    assert only(securityhub.parse(payload)).starts_at == datetime(2026, 11, 22, 7, 30, tzinfo=UTC)
    del payload["detail"]["findings"][0]["FirstObservedAt"]
    assert only(securityhub.parse(payload)).starts_at == datetime(2026, 11, 22, 7, 35, tzinfo=UTC)


def test_asff_links_that_are_not_web_addresses_are_dropped() -> None:
    event = only(securityhub.parse(with_finding(SourceUrl="javascript:alert(1)")))
    assert event.links == {}


def test_asff_identity_without_a_product_arn() -> None:
    payload = with_finding()
    del payload["detail"]["findings"][0]["ProductArn"]
    event = only(securityhub.parse(payload))
    assert event.fingerprint == stable_fingerprint("111122223333", FINDING_ID)


def test_asff_identity_needs_product_or_account() -> None:
    payload = with_finding()
    del payload["detail"]["findings"][0]["ProductArn"]
    del payload["detail"]["findings"][0]["AwsAccountId"]
    with pytest.raises(PayloadError, match=r"detail\.findings\.0\.ProductArn or AwsAccountId"):
        securityhub.parse(payload)


def test_asff_product_name_wins() -> None:
    event = only(securityhub.parse(with_finding(ProductName="GuardDuty")))
    assert event.labels["product"] == "GuardDuty"


def test_several_findings_are_several_alerts() -> None:
    payload = sample()
    second = copy.deepcopy(payload["detail"]["findings"][0])
    second.update(Id="finding-2", Title="Second", Severity={"Label": "LOW"}, Workflow={"Status": "RESOLVED"})
    payload["detail"]["findings"].append(second)
    first_event, second_event = securityhub.parse(payload)
    assert first_event.fingerprint == stable_fingerprint(PRODUCT_ARN, FINDING_ID)
    assert second_event.fingerprint == stable_fingerprint(PRODUCT_ARN, "finding-2")
    assert (second_event.name, second_event.severity, second_event.action) == (
        "Second",
        Severity.LOW,
        Action.RESOLVED,
    )
    # Each event keeps the envelope with only its own finding.
    assert second_event.raw is not None
    assert second_event.raw["detail"]["findings"] == [second]
    assert second_event.raw["detail-type"] == "Security Hub Findings - Imported"


def test_ocsf_finding() -> None:
    payload = ocsf_event()
    event = only(securityhub.parse(payload))
    assert event.source == "securityhub"
    assert event.fingerprint == stable_fingerprint(
        PRODUCT_ARN, "arn:aws:guardduty:us-east-1:111122223333:detector/abc/finding/ocsf1"
    )
    assert event.action is Action.TRIGGERED
    assert event.name == "EC2 instance is querying a domain used for crypto mining"
    assert event.severity is Severity.HIGH
    assert event.labels == {
        "account": "111122223333",
        "region": "us-east-1",
        "product": "GuardDuty",
        "generator": "CryptoCurrency:EC2/BitcoinTool.B!DNS",
        "types": "CryptoCurrency:EC2/BitcoinTool.B!DNS",
        "resource_type": "AWS::EC2::Instance",
        "resource_id": INSTANCE_ARN,
    }
    assert event.annotations == {
        "description": "i-0abc123def4567890 queried pool.example.net.",
        "remediation": "Isolate the instance and rotate its credentials.",
        "remediation_url": "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_remediate.html",
    }
    assert event.links == {
        "remediation": "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_remediate.html",
        "source": "https://console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?search=id%3Docsf1",
    }
    # starts_at is the finding's version (modified_time_dt), not its first_seen_time_dt (07:44).
    assert event.starts_at == datetime(2026, 11, 22, 7, 50, tzinfo=UTC)
    assert event.ends_at is None
    assert event.raw == payload


@pytest.mark.parametrize(
    ("fields", "action"),
    [
        ({"status_id": 1, "status": "New"}, Action.TRIGGERED),
        ({"status_id": 2, "status": "In Progress"}, Action.TRIGGERED),
        ({"status_id": 3, "status": "Suppressed"}, Action.RESOLVED),
        ({"status_id": 4, "status": "Resolved"}, Action.RESOLVED),
        ({"status_id": 5, "status": "Archived"}, Action.RESOLVED),
        ({"status_id": 99, "status": "Resolved"}, Action.RESOLVED),
        ({"status_id": None, "status": "Suppressed"}, Action.RESOLVED),
        ({"status_id": None, "status": "New"}, Action.TRIGGERED),
        ({"activity_id": 3, "activity_name": "Close"}, Action.RESOLVED),
    ],
)
def test_ocsf_status(fields: dict[str, Any], action: Action) -> None:
    event = only(securityhub.parse(ocsf_event(ocsf_finding(**fields))))
    assert event.action is action
    expected_end = datetime(2026, 11, 22, 7, 50, tzinfo=UTC) if action is Action.RESOLVED else None
    assert event.ends_at == expected_end


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"severity_id": 1, "severity": "Informational"}, Severity.INFO),
        ({"severity_id": 2, "severity": "Low"}, Severity.LOW),
        ({"severity_id": 3, "severity": "Medium"}, Severity.WARNING),
        ({"severity_id": 4, "severity": "High"}, Severity.HIGH),
        ({"severity_id": 5, "severity": "Critical"}, Severity.CRITICAL),
        ({"severity_id": 6, "severity": "Fatal"}, Severity.CRITICAL),
        ({"severity_id": 99, "severity": "Medium"}, Severity.WARNING),
        ({"severity_id": None, "severity": "Low"}, Severity.LOW),
        ({"severity_id": 0, "severity": "Unknown"}, None),
    ],
)
def test_ocsf_severity(fields: dict[str, Any], expected: Severity | None) -> None:
    assert only(securityhub.parse(ocsf_event(ocsf_finding(**fields)))).severity is expected


def test_ocsf_recognised_by_shape_without_the_detail_type() -> None:
    payload = ocsf_event()
    del payload["detail-type"]
    assert only(securityhub.parse(payload)).name.startswith("EC2 instance is querying")


def test_ocsf_epoch_milliseconds_and_fallbacks() -> None:
    # The finding's version (modified) first, then when it was first seen, then when it was created;
    # each as ISO 8601 (*_dt) before epoch milliseconds. Distinct times tell them apart.
    info = ocsf_finding()["finding_info"]
    info.update(modified_time=1795333740000, first_seen_time=1795333380000, created_time=1795333260000)
    order = [
        ("modified_time_dt", datetime(2026, 11, 22, 7, 50, tzinfo=UTC)),
        ("modified_time", datetime.fromtimestamp(1795333740, UTC)),
        ("first_seen_time_dt", datetime(2026, 11, 22, 7, 44, tzinfo=UTC)),
        ("first_seen_time", datetime.fromtimestamp(1795333380, UTC)),
        ("created_time_dt", datetime(2026, 11, 22, 7, 45, tzinfo=UTC)),
        ("created_time", datetime.fromtimestamp(1795333260, UTC)),
    ]
    for key, expected in order:
        finding = ocsf_finding(finding_info=copy.deepcopy(info), metadata={}, cloud={})
        event = only(securityhub.parse(ocsf_event(finding)))
        assert event.starts_at == expected, key
        del info[key]
    # No product uid, no account in the finding: the envelope's account.
    assert event.fingerprint == stable_fingerprint("111122223333", info["uid"])
    assert event.labels["account"] == "111122223333"
    assert event.labels["region"] == "us-east-1"


def test_ocsf_missing_finding_info_is_named() -> None:
    finding = ocsf_finding()
    del finding["finding_info"]
    with pytest.raises(ValidationError, match=r"detail\.findings\.0\.finding_info\n"):
        securityhub.parse(ocsf_event(finding))


def test_ocsf_wrong_type_is_named() -> None:
    with pytest.raises(ValidationError, match=r"detail\.findings\.0\.status_id"):
        securityhub.parse(ocsf_event(ocsf_finding(status_id="resolved-ish")))


@pytest.mark.parametrize(
    "payload",
    [
        {"source": "aws.securityhub"},
        {"detail": "findings"},
        {"detail": {}},
        {"detail": {"findings": []}},
        {"detail": {"findings": {"Id": "x"}}},
    ],
)
def test_missing_or_empty_findings(payload: dict[str, Any]) -> None:
    with pytest.raises(PayloadError, match="detail"):
        securityhub.parse(payload)


@pytest.mark.parametrize("field", ["Id", "Title"])
def test_asff_missing_required_field_is_named(field: str) -> None:
    payload = with_finding()
    del payload["detail"]["findings"][0][field]
    with pytest.raises(ValidationError, match=rf"detail\.findings\.0\.{field}\n"):
        securityhub.parse(payload)


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"Title": 7}, r"detail\.findings\.0\.Title"),
        ({"Types": "TTPs"}, r"detail\.findings\.0\.Types"),
        ({"Severity": "HIGH"}, r"detail\.findings\.0\.Severity"),
        ({"Severity": {"Normalized": 500}}, r"detail\.findings\.0\.Severity\.Normalized"),
        ({"Resources": {"Id": "x"}}, r"detail\.findings\.0\.Resources"),
        ({"CreatedAt": "last tuesday"}, r"detail\.findings\.0\.CreatedAt"),
        ({"Workflow": {"Status": ["NEW"]}}, r"detail\.findings\.0\.Workflow\.Status"),
    ],
)
def test_asff_wrong_types_are_named(fields: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError, match=where):
        securityhub.parse(with_finding(**fields))


def test_a_finding_that_is_not_an_object() -> None:
    payload = sample()
    payload["detail"]["findings"] = ["not a finding"]
    with pytest.raises(ValidationError, match=r"detail\.findings\.0"):
        securityhub.parse(payload)


@pytest.mark.parametrize("field", ["Title", "Description", "Id", "AwsAccountId"])
@pytest.mark.parametrize("bad", ["\x00", "\udc00"], ids=["nul", "surrogate"])
def test_text_no_database_can_store_is_replaced(field: str, bad: str) -> None:
    events = securityhub.parse(with_finding(**{field: f"bad{bad}value"}))
    shown = repr([(e.name, e.fingerprint, e.labels, e.annotations) for e in events])
    assert bad not in shown
    if field != "Id":  # an identity only: it is part of the fingerprint's hash
        assert "bad\ufffdvalue" in shown


def test_too_many_findings_is_refused() -> None:
    payload = sample()
    payload["detail"]["findings"] = payload["detail"]["findings"] * (securityhub.MAX_FINDINGS + 1)
    with pytest.raises(ValidationError, match=r"detail\.findings"):
        securityhub.parse(payload)
