"""CloudWatch alarms as an Amazon SNS HTTPS subscription delivers them: the live gate and the parse.

A live request passes the gate first: the topic allow-list, the message signature (checked against
the certificate SNS names, fetched only from an ``sns.<region>.amazonaws.com`` host), and the
subscription handshake (a ``SubscriptionConfirmation`` is confirmed by fetching its ``SubscribeURL``,
only on an AWS SNS host). A recorded delivery (``holdoff replay``) skips the gate: a recording is
trusted as recorded, and a handshake in it stands for no alert.
"""

from __future__ import annotations

from typing import Any

from holdoff.ingest import cloudwatch
from holdoff.ingest.sns import SnsEnvelope, SnsRejected, confirm_subscription
from holdoff.ingest.source import GateTools, Refused, SourceSettings
from holdoff.mediate.model import AlertEvent

HANDSHAKES = frozenset({"SubscriptionConfirmation", "UnsubscribeConfirmation"})
"""SNS message types that are about the subscription itself, not an alarm."""


def gate(raw: dict[str, Any], settings: SourceSettings, tools: GateTools) -> str | None:
    """Check a live delivery; answer the subscription handshake without parsing."""
    envelope = SnsEnvelope.model_validate(raw)
    if (
        settings.sources.cloudwatch.topic_arns
        and envelope.TopicArn not in settings.sources.cloudwatch.topic_arns
    ):
        raise Refused(f"SNS topic {envelope.TopicArn!r} is not in HOLDOFF_SNS_TOPIC_ARNS", status_code=403)
    try:
        if settings.sources.cloudwatch.verify_signatures:
            tools.sns_verifier.verify(envelope)
        if envelope.Type == "SubscriptionConfirmation":
            confirm_subscription(envelope, tools.sns_fetch_status)
            return "subscription confirmed"
    except SnsRejected as exc:
        raise Refused(str(exc), status_code=exc.status_code) from exc
    if envelope.Type == "UnsubscribeConfirmation":
        return "unsubscribe acknowledged"
    return None


def parse(raw: dict[str, Any], settings: SourceSettings) -> list[AlertEvent]:
    """The events of one SNS ``Notification``; a subscription handshake stands for none."""
    if raw.get("Type") in HANDSHAKES:
        return []
    return cloudwatch.parse_notification(raw, insufficient_data=settings.sources.cloudwatch.insufficient_data)
