"""``POST /coralogix/webhook``: the seed POC's endpoint, accepting its payload and Coralogix's template."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from holdoff.api.body import read_json_object
from holdoff.api.ingest_auth import require_source_token
from holdoff.api.presenters import accepted
from holdoff.api.schemas import Accepted
from holdoff.ingest.coralogix import SOURCE, CoralogixWebhook
from holdoff.runtime import Runtime

router = APIRouter(tags=["sources"])

_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": CoralogixWebhook.model_json_schema()}},
    }
}


async def coralogix_webhook(request: Request) -> Response:
    """Take a Coralogix alert event; answered once its state change is committed."""
    # The hottest route: no dependency injection, and the response is serialised once, here.
    runtime: Runtime = request.app.state.runtime
    require_source_token(request, runtime.settings, SOURCE)
    raw = await read_json_object(request)
    payload = CoralogixWebhook.model_validate(raw)
    (applied,) = await runtime.ingest.submit([payload.to_event(raw)])
    body = accepted(applied, runtime.settings.resolved_public_url).model_dump_json()
    return Response(body, status_code=202, media_type="application/json")


# Coralogix lets the webhook method be POST or PUT; both do the same.
for _method in ("POST", "PUT"):
    router.add_api_route(
        "/coralogix/webhook",
        coralogix_webhook,
        methods=[_method],
        status_code=202,
        response_model=Accepted,
        openapi_extra=_BODY,
        operation_id=f"coralogix_webhook_{_method.lower()}",
        responses={
            400: {"description": "Malformed JSON"},
            413: {"description": "Body over 1 MiB"},
            415: {"description": "Not JSON"},
            422: {"description": "Missing or invalid field"},
        },
    )
