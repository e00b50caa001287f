"""AWS Security Hub findings, as EventBridge delivers them: one alert per finding.

Two envelopes, both ``{"source": "aws.securityhub", "detail": {"findings": [...]}}``:

- ``Security Hub Findings - Imported`` (and ``- Custom Action``): findings in ASFF, the AWS Security
  Finding Format. Identity ``stable_fingerprint(ProductArn or AwsAccountId, Id)``.
- ``Findings Imported V2`` (Security Hub's newer, OCSF-based service): findings in OCSF. Identity
  ``stable_fingerprint(metadata.product.uid or cloud.account.uid, finding_info.uid)``, mirroring the
  ASFF one (Security Hub itself identifies an OCSF finding by account, product and finding uid).

The format is taken from ``detail-type`` when it is ``Findings Imported V2``; otherwise a finding with a
``finding_info`` object is OCSF and anything else ASFF. Each event's ``raw`` is the envelope with only
its own finding in ``detail.findings``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from holdoff.ingest.errors import PayloadError
from holdoff.ingest.identity import stable_fingerprint
from holdoff.ingest.text import OptionalText, Text
from holdoff.mediate.model import Action, AlertEvent, Severity

SOURCE = "securityhub"

MAX_FINDINGS = 500
MAX_USER_FIELDS = 200
"""``UserDefinedFields`` pairs accepted per finding (they become labels)."""
"""Findings per EventBridge event Holdoff takes (Security Hub sends one per event; ASFF batches stay small)."""

ASFF_SEVERITY: dict[str, Severity] = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.WARNING,
    "LOW": Severity.LOW,
    "INFORMATIONAL": Severity.INFO,
}
"""ASFF ``Severity.Label`` onto Holdoff's scale. Without a label, ``Severity.Normalized`` (0-100) is banded the
way Security Hub does: 0 informational, 1-39 low, 40-69 medium, 70-89 high, 90-100 critical."""

OCSF_SEVERITY_ID: dict[int, Severity] = {
    1: Severity.INFO,
    2: Severity.LOW,
    3: Severity.WARNING,
    4: Severity.HIGH,
    5: Severity.CRITICAL,
    6: Severity.CRITICAL,
}
"""OCSF ``severity_id`` (1 Informational ... 5 Critical, 6 Fatal); 0 Unknown and 99 Other fall back to the
``severity`` text (Informational, Low, Medium, High, Critical, Fatal), and then to none."""

_OCSF_SEVERITY_TEXT = {
    "informational": Severity.INFO,
    "info": Severity.INFO,
    "low": Severity.LOW,
    "medium": Severity.WARNING,
    "high": Severity.HIGH,
    "critical": Severity.CRITICAL,
    "fatal": Severity.CRITICAL,
}

ASFF_RESOLVED_WORKFLOW = frozenset({"RESOLVED", "SUPPRESSED"})
"""An ASFF finding resolves its alert when ``Workflow.Status`` is one of these, when ``RecordState`` is
``ARCHIVED``, or when ``Compliance.Status`` is ``PASSED`` (a control check that passes is not a problem;
Security Hub marks such findings RESOLVED itself)."""

OCSF_RESOLVED_STATUS_ID = frozenset({3, 4, 5, 6})
"""OCSF ``status_id`` values that resolve the alert: 3 Suppressed, 4 Resolved, 5 Archived, 6 Deleted.
1 New, 2 In Progress, 0 Unknown and 99 Other trigger it. Without a ``status_id`` the ``status`` text is
used the same way, and ``activity_id`` 3 (``activity_name`` Close) resolves too."""

_OCSF_RESOLVED_STATUS = frozenset({"suppressed", "resolved", "archived", "deleted", "closed"})


def _timestamp(value: Any) -> datetime | None:
    """ISO 8601 text (ASFF, OCSF ``*_dt``) or epoch milliseconds (OCSF ``*_time``); "" is none."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("expected a time, not a boolean")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"epoch milliseconds out of range: {value}") from None
    if not isinstance(value, str):
        raise ValueError("expected a time as an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {value[:64]!r}") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


Timestamp = Annotated[datetime | None, BeforeValidator(_timestamp)]


class _Asff(BaseModel):
    """ASFF objects: PascalCase names; only the fields Holdoff uses are read, the rest stays in ``raw``."""

    model_config = ConfigDict(extra="ignore", alias_generator=to_pascal, str_strip_whitespace=True)


class AsffSeverity(_Asff):
    label: OptionalText = Field(default=None, max_length=32)
    normalized: int | None = Field(default=None, ge=0, le=100)


class AsffResource(_Asff):
    type: OptionalText = Field(default=None, max_length=256)
    id: OptionalText = Field(default=None, max_length=1600)
    region: OptionalText = Field(default=None, max_length=64)


class AsffRecommendation(_Asff):
    text: OptionalText = Field(default=None, max_length=65_536)
    url: OptionalText = Field(default=None, max_length=4096)


class AsffRemediation(_Asff):
    recommendation: AsffRecommendation | None = None


class AsffStatus(_Asff):
    """``Workflow`` and ``Compliance`` both carry a ``Status``."""

    status: OptionalText = Field(default=None, max_length=64)


class AsffFinding(_Asff):
    """One finding in the AWS Security Finding Format."""

    id: Text = Field(min_length=1, max_length=512)
    product_arn: OptionalText = Field(default=None, max_length=2048)
    aws_account_id: OptionalText = Field(default=None, max_length=64)
    generator_id: OptionalText = Field(default=None, max_length=512)
    product_name: OptionalText = Field(default=None, max_length=128)
    region: OptionalText = Field(default=None, max_length=64)
    types: list[Text] = Field(default_factory=list, max_length=50)
    first_observed_at: Timestamp = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    severity: AsffSeverity | None = None
    title: Text = Field(min_length=1, max_length=512)
    description: OptionalText = Field(default=None, max_length=65_536)
    source_url: OptionalText = Field(default=None, max_length=4096)
    remediation: AsffRemediation | None = None
    resources: list[AsffResource] = Field(default_factory=list, max_length=100)
    workflow: AsffStatus | None = None
    compliance: AsffStatus | None = None
    record_state: OptionalText = Field(default=None, max_length=32)
    user_defined_fields: dict[
        Annotated[Text, Field(max_length=128)], Annotated[Text, Field(max_length=1024)]
    ] = Field(default_factory=dict, max_length=MAX_USER_FIELDS)
    """``UserDefinedFields``: the finding's own name/value pairs, kept as labels."""

    def severity_level(self) -> Severity | None:
        if self.severity is None:
            return None
        if self.severity.label and self.severity.label.upper() in ASFF_SEVERITY:
            return ASFF_SEVERITY[self.severity.label.upper()]
        score = self.severity.normalized
        if score is None:
            return None
        bands = ((90, Severity.CRITICAL), (70, Severity.HIGH), (40, Severity.WARNING), (1, Severity.LOW))
        return next((level for floor, level in bands if score >= floor), Severity.INFO)

    def action(self) -> Action:
        workflow = (self.workflow.status if self.workflow else None) or ""
        compliance = (self.compliance.status if self.compliance else None) or ""
        resolved = (
            workflow.upper() in ASFF_RESOLVED_WORKFLOW
            or (self.record_state or "").upper() == "ARCHIVED"
            or compliance.upper() == "PASSED"
        )
        return Action.RESOLVED if resolved else Action.TRIGGERED

    def product(self) -> str | None:
        """``ProductName``, else the product part of ``ProductArn`` (``aws/guardduty``)."""
        if self.product_name:
            return self.product_name
        if self.product_arn and ":product/" in self.product_arn:
            return self.product_arn.split(":product/", 1)[1] or None
        return self.product_arn

    def to_event(self, envelope: _Envelope, raw: dict[str, Any]) -> AlertEvent:
        owner = self.product_arn or self.aws_account_id
        if not owner:
            raise PayloadError("ProductArn or AwsAccountId: a finding needs one of them for its identity")
        first = self.resources[0] if self.resources else None
        labels = {
            "account": self.aws_account_id or envelope.account,
            "region": self.region or (first.region if first else None) or envelope.region,
            "product": self.product(),
            "generator": self.generator_id,
            "types": ", ".join(self.types),
            "resource_type": first.type if first else None,
            "resource_id": first.id if first else None,
        }
        labels = {**self.user_defined_fields, **labels}
        recommendation = self.remediation.recommendation if self.remediation else None
        annotations = {
            "description": self.description,
            "remediation": recommendation.text if recommendation else None,
            "remediation_url": recommendation.url if recommendation else None,
        }
        links = {
            "remediation": recommendation.url if recommendation else None,
            "source": self.source_url,
        }
        action = self.action()
        return AlertEvent(
            source=SOURCE,
            fingerprint=stable_fingerprint(owner, self.id),
            action=action,
            name=self.title,
            severity=self.severity_level(),
            labels=_present(labels),
            annotations=_present(annotations),
            links=_web_links(links),
            # The finding's version: an update or a reopen is newer, a re-delivery is the same.
            starts_at=self.updated_at or self.first_observed_at or self.created_at,
            ends_at=self.updated_at if action is Action.RESOLVED else None,
            raw=raw,
        )


class _Ocsf(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class OcsfAnalytic(_Ocsf):
    uid: OptionalText = Field(default=None, max_length=512)
    name: OptionalText = Field(default=None, max_length=512)


class OcsfFindingInfo(_Ocsf):
    uid: Text = Field(min_length=1, max_length=512)
    title: Text = Field(min_length=1, max_length=512)
    desc: OptionalText = Field(default=None, max_length=65_536)
    types: list[Text] = Field(default_factory=list, max_length=50)
    src_url: OptionalText = Field(default=None, max_length=4096)
    analytic: OcsfAnalytic | None = None
    first_seen_time_dt: Timestamp = None
    first_seen_time: Timestamp = None
    created_time_dt: Timestamp = None
    created_time: Timestamp = None
    modified_time_dt: Timestamp = None
    modified_time: Timestamp = None


class OcsfAccount(_Ocsf):
    uid: OptionalText = Field(default=None, max_length=64)


class OcsfCloud(_Ocsf):
    account: OcsfAccount | None = None
    region: OptionalText = Field(default=None, max_length=64)


class OcsfResource(_Ocsf):
    uid: OptionalText = Field(default=None, max_length=1600)
    type: OptionalText = Field(default=None, max_length=256)
    region: OptionalText = Field(default=None, max_length=64)


class OcsfProduct(_Ocsf):
    uid: OptionalText = Field(default=None, max_length=2048)
    name: OptionalText = Field(default=None, max_length=256)


class OcsfMetadata(_Ocsf):
    product: OcsfProduct | None = None


class OcsfRemediation(_Ocsf):
    desc: OptionalText = Field(default=None, max_length=65_536)
    references: list[Text] = Field(default_factory=list, max_length=50)


class OcsfFinding(_Ocsf):
    """One finding in OCSF, as Security Hub's ``Findings Imported V2`` events carry it."""

    finding_info: OcsfFindingInfo
    severity: OptionalText = Field(default=None, max_length=32)
    severity_id: int | None = None
    status: OptionalText = Field(default=None, max_length=32)
    status_id: int | None = None
    activity_id: int | None = None
    activity_name: OptionalText = Field(default=None, max_length=64)
    cloud: OcsfCloud | None = None
    resources: list[OcsfResource] = Field(default_factory=list, max_length=100)
    metadata: OcsfMetadata | None = None
    remediation: OcsfRemediation | None = None

    def severity_level(self) -> Severity | None:
        by_id = OCSF_SEVERITY_ID.get(self.severity_id) if self.severity_id is not None else None
        return by_id or _OCSF_SEVERITY_TEXT.get((self.severity or "").lower())

    def action(self) -> Action:
        if self.status_id is not None and self.status_id not in (0, 99):
            resolved = self.status_id in OCSF_RESOLVED_STATUS_ID
        else:
            resolved = (self.status or "").lower() in _OCSF_RESOLVED_STATUS
        closing = self.activity_id == 3 or (self.activity_name or "").lower() == "close"
        return Action.RESOLVED if resolved or closing else Action.TRIGGERED

    def to_event(self, envelope: _Envelope, raw: dict[str, Any]) -> AlertEvent:
        info = self.finding_info
        product = self.metadata.product if self.metadata else None
        account = (self.cloud.account.uid if self.cloud and self.cloud.account else None) or envelope.account
        owner = (product.uid if product else None) or account
        if not owner:
            raise PayloadError(
                "metadata.product.uid or cloud.account.uid: a finding needs one of them for its identity"
            )
        first = self.resources[0] if self.resources else None
        labels = {
            "account": account,
            "region": (self.cloud.region if self.cloud else None)
            or (first.region if first else None)
            or envelope.region,
            "product": (product.name or product.uid) if product else None,
            "generator": (info.analytic.uid or info.analytic.name) if info.analytic else None,
            "types": ", ".join(info.types),
            "resource_type": first.type if first else None,
            "resource_id": first.uid if first else None,
        }
        references = self.remediation.references if self.remediation else []
        reference = next((url for url in references if _is_web(url)), None)
        annotations = {
            "description": info.desc,
            "remediation": self.remediation.desc if self.remediation else None,
            "remediation_url": reference,
        }
        action = self.action()
        modified = info.modified_time_dt or info.modified_time
        return AlertEvent(
            source=SOURCE,
            fingerprint=stable_fingerprint(owner, info.uid),
            action=action,
            name=info.title,
            severity=self.severity_level(),
            labels=_present(labels),
            annotations=_present(annotations),
            links=_web_links({"remediation": reference, "source": info.src_url}),
            # The finding's version: an update or a reopen is newer, a re-delivery is the same.
            starts_at=modified
            or info.first_seen_time_dt
            or info.first_seen_time
            or info.created_time_dt
            or info.created_time,
            ends_at=modified if action is Action.RESOLVED else None,
            raw=raw,
        )


class _Envelope(BaseModel):
    """The EventBridge fields around the findings; ``source`` is not checked (see the AWS Health parser)."""

    model_config = ConfigDict(extra="ignore")

    detail_type: OptionalText = Field(default=None, alias="detail-type", max_length=256)
    account: OptionalText = Field(default=None, max_length=64)
    region: OptionalText = Field(default=None, max_length=64)


class AsffDetail(BaseModel):
    model_config = ConfigDict(extra="ignore")

    findings: list[AsffFinding] = Field(min_length=1, max_length=MAX_FINDINGS)


class OcsfDetail(BaseModel):
    model_config = ConfigDict(extra="ignore")

    findings: list[OcsfFinding] = Field(min_length=1, max_length=MAX_FINDINGS)


class AsffEvent(_Envelope):
    detail: AsffDetail


class OcsfEvent(_Envelope):
    detail: OcsfDetail


OCSF_DETAIL_TYPE = "Findings Imported V2"


def parse(payload: dict[str, Any]) -> list[AlertEvent]:
    """One alert event per finding of a Security Hub EventBridge event (ASFF or OCSF).

    Raises :class:`PayloadError` when ``detail.findings`` is missing, not a list or empty, and pydantic's
    ``ValidationError`` (``detail.findings.0.Title: Field required`` ...) for a malformed finding.
    """
    detail = payload.get("detail")
    if not isinstance(detail, dict):
        raise PayloadError(
            "detail: expected the EventBridge event of a Security Hub finding, with detail.findings[]"
        )
    findings = detail.get("findings")
    if not isinstance(findings, list) or not findings:
        raise PayloadError("detail.findings: missing or empty; expected a list of Security Hub findings")
    first = findings[0]
    ocsf = payload.get("detail-type") == OCSF_DETAIL_TYPE or (
        isinstance(first, dict) and "finding_info" in first
    )
    event: AsffEvent | OcsfEvent = (
        OcsfEvent.model_validate(payload) if ocsf else AsffEvent.model_validate(payload)
    )
    parsed: list[AsffFinding | OcsfFinding] = [*event.detail.findings]
    events = []
    for index, (finding, original) in enumerate(zip(parsed, findings, strict=True)):
        try:
            events.append(finding.to_event(event, _single(payload, detail, original)))
        except PayloadError as exc:
            raise PayloadError(f"detail.findings.{index}.{exc}") from None
    return events


def _single(payload: dict[str, Any], detail: dict[str, Any], finding: Any) -> dict[str, Any]:
    """The envelope as received, carrying only this finding."""
    return {**payload, "detail": {**detail, "findings": [finding]}}


def _present(values: dict[str, str | None]) -> dict[str, str]:
    return {key: value for key, value in values.items() if value}


def _is_web(url: str) -> bool:
    return url.lower().startswith(("https://", "http://"))


def _web_links(values: dict[str, str | None]) -> dict[str, str]:
    """Links a browser can open; anything but http(s) (``javascript:`` ...) is dropped."""
    return {key: value for key, value in _present(values).items() if _is_web(value)}
