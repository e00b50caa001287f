"""``POST /webhooks/<source>``: each monitoring system's native webhook, one route per source.

A route authenticates the sender (its source's token, when one is configured), reads the body,
lets the source's parser turn it into events, and commits all of them together before answering
202: one webhook is all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from holdoff.api.body import read_json_object
from holdoff.api.ingest_auth import require_source_token
from holdoff.api.presenters import accepted
from holdoff.api.schemas import Received
from holdoff.ingest.registry import SOURCES, Source
from holdoff.mediate.model import AlertEvent
from holdoff.runtime import Runtime

router = APIRouter(tags=["sources"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed JSON or invalid UTF-8"},
    401: {"description": "Missing or wrong token for this source"},
    413: {"description": "Body over 1 MiB"},
    415: {"description": "Not JSON"},
    422: {"description": "JSON that is not a valid message of this source; `detail` names the field"},
}


async def commit(runtime: Runtime, events: list[AlertEvent], *, nothing: str | None = None) -> Response:
    """Commit one webhook's events together and answer 202 with what each did."""
    applied = await runtime.ingest.submit(events)
    public_url = runtime.settings.resolved_public_url
    body = Received(
        received=len(events),
        alerts=[accepted(item, public_url) for item in applied],
        detail=nothing if not events else None,
    )
    return Response(body.model_dump_json(), status_code=202, media_type="application/json")


def _route(source: Source) -> Callable[[Request], Any]:
    async def receive(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        require_source_token(request, runtime.settings, source.name)
        raw = await read_json_object(request)
        events = source.parse(raw, runtime.settings)
        return await commit(runtime, events, nothing="the payload carried no alerts")

    receive.__doc__ = source.summary
    return receive


for _source in SOURCES:
    router.add_api_route(
        f"/webhooks/{_source.name}",
        _route(_source),
        methods=["POST"],
        status_code=202,
        response_model=Received,
        operation_id=f"webhook_{_source.name.replace('-', '_')}",
        summary=_source.summary.split(":")[0].split(" (")[0],
        description=_source.summary,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
        responses=RESPONSES,
    )
