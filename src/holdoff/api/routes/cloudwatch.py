"""``POST /webhooks/cloudwatch``: CloudWatch alarms delivered by an Amazon SNS HTTPS subscription.

SNS posts JSON as ``text/plain``. Each message's signature is checked against the certificate SNS
names (fetched only from an ``sns.<region>.amazonaws.com`` host, then cached); a subscription
confirmation is confirmed by fetching its ``SubscribeURL`` (only on an AWS SNS host).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from holdoff.api.body import read_json_object
from holdoff.api.ingest_auth import require_source_token
from holdoff.api.routes.sources import RESPONSES, commit
from holdoff.api.schemas import Received
from holdoff.ingest import cloudwatch
from holdoff.ingest.sns import SnsEnvelope, SnsRejected, confirm_subscription
from holdoff.runtime import Runtime

router = APIRouter(tags=["sources"])


@router.post(
    "/webhooks/cloudwatch",
    status_code=202,
    response_model=Received,
    operation_id="webhook_cloudwatch",
    summary="CloudWatch alarm through Amazon SNS",
    responses={
        **RESPONSES,
        200: {"description": "Subscription confirmed, or unsubscribe acknowledged"},
        403: {"description": "Signature invalid, message too old, or topic not allowed"},
        503: {"description": "The signing certificate or SubscribeURL could not be fetched; SNS retries"},
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}
    },
)
async def cloudwatch_webhook(request: Request) -> Response:
    """ALARM is firing, OK is resolved, INSUFFICIENT_DATA as configured."""
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    require_source_token(request, settings, cloudwatch.SOURCE)
    raw = await read_json_object(request, also_accept=("text/plain",))
    envelope = SnsEnvelope.model_validate(raw)
    if settings.sns_topic_arns and envelope.TopicArn not in settings.sns_topic_arns:
        raise HTTPException(403, f"SNS topic {envelope.TopicArn!r} is not in HOLDOFF_SNS_TOPIC_ARNS")
    try:
        if settings.sns_verify_signatures:
            await run_in_threadpool(runtime.sns_verifier.verify, envelope)
        if envelope.Type == "SubscriptionConfirmation":
            await run_in_threadpool(confirm_subscription, envelope, runtime.sns_fetch_status)
            return Response(
                '{"detail":"subscription confirmed"}', status_code=200, media_type="application/json"
            )
    except SnsRejected as exc:
        raise HTTPException(exc.status_code, str(exc)) from exc
    if envelope.Type == "UnsubscribeConfirmation":
        return Response(
            '{"detail":"unsubscribe acknowledged"}', status_code=200, media_type="application/json"
        )
    events = cloudwatch.parse_notification(raw, insufficient_data=settings.cloudwatch_insufficient_data)
    return await commit(
        runtime, events, nothing="INSUFFICIENT_DATA ignored (HOLDOFF_CLOUDWATCH_INSUFFICIENT_DATA)"
    )
