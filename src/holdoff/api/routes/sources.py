"""Every source's webhook route, built from the source table (:mod:`holdoff.ingest.registry`).

A route authenticates the sender (its source's token, when one is configured), reads the body,
passes a live request through its source's gate if it has one (SNS: signature, topic, subscription
handshake), lets the source's parser turn the body into events (named as ``sources.naming`` says,
:func:`~holdoff.ingest.source.parse_named`), and commits all of them together before answering 202:
one webhook is all or nothing. When the writer or the outbox is past its bound (``retention.backpressure``)
the webhook is refused with Retry-After: 429, or 503 to a sender that retries only a 5xx.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from holdoff.api.body import read_json_object
from holdoff.api.ingest_auth import require_source_token
from holdoff.api.presenters import accepted
from holdoff.api.schemas import Accepted, Received
from holdoff.ingest.registry import SOURCES
from holdoff.ingest.source import Refused, Source, parse_named
from holdoff.mediate.model import AlertEvent
from holdoff.runtime import Runtime
from holdoff.service.admission import Busy

router = APIRouter(tags=["sources"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed JSON or invalid UTF-8"},
    401: {"description": "Missing or wrong token for this source"},
    413: {"description": "Body over 1 MiB"},
    415: {"description": "Not JSON"},
    422: {"description": "JSON that is not a valid message of this source; `detail` names the field"},
    429: {"description": "Holdoff is behind (writer or outbox past its bound): retry after Retry-After"},
}

BUSY_STATUS = {"alertmanager": 503, "grafana": 503, "cloudwatch": 503}
"""Senders that retry a 5xx but not a 429 (Alertmanager's webhook retrier, SNS deliveries, Grafana) are
refused with 503 when Holdoff is behind; every other source with 429."""


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


async def commit_one(runtime: Runtime, event: AlertEvent) -> Response:
    """Commit a one-alert webhook and answer 202 with that alert (serialised once, here)."""
    (applied,) = await runtime.ingest.submit([event])
    body = accepted(applied, runtime.settings.resolved_public_url).model_dump_json()
    return Response(body, status_code=202, media_type="application/json")


def _route(source: Source) -> Callable[[Request], Any]:
    # The hottest path: no dependency injection, and nothing but what the source asks for.
    gate = source.gate
    busy_status = BUSY_STATUS.get(source.name, 429)

    async def receive(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        settings = runtime.settings
        require_source_token(request, settings, source.name)
        raw = await read_json_object(request, also_accept=source.also_accept)
        if gate is not None:
            try:
                answer = await run_in_threadpool(gate, raw, settings, runtime)
            except Refused as exc:
                raise HTTPException(exc.status_code, str(exc)) from exc
            if answer is not None:
                body = json.dumps({"detail": answer}, separators=(",", ":"))
                return Response(body, status_code=200, media_type="application/json")
        events = parse_named(source, raw, settings)
        try:
            if source.one_alert:
                return await commit_one(runtime, events[0])
            return await commit(runtime, events, nothing=source.nothing)
        except Busy as exc:
            after = settings.retention.backpressure.retry_after_seconds
            raise HTTPException(
                busy_status,
                f"Holdoff is behind ({exc}); nothing of this webhook was stored: retry after {after}s",
                headers={"Retry-After": str(after)},
            ) from exc

    receive.__doc__ = source.description
    return receive


def _body(source: Source) -> dict[str, Any]:
    """The request body as the API docs show it."""
    content: dict[str, Any] = {}
    for media in source.documented_as:
        if media == "text/plain":
            content[media] = {"schema": {"type": "string"}}
        elif source.body_model is not None:
            content[media] = {"schema": source.body_model.model_json_schema()}
        else:
            content[media] = {"schema": {"type": "object"}}
    return {"requestBody": {"required": True, "content": content}}


def _operation_id(source: Source, method: str) -> str:
    """Ids the API has always had: ``webhook_<name>``, and ``coralogix_webhook_<method>`` for its two."""
    if len(source.methods) > 1:
        return f"{source.name.replace('-', '_')}_webhook_{method.lower()}"
    return f"webhook_{source.name.replace('-', '_')}"


def add_routes(target: APIRouter, sources: tuple[Source, ...]) -> None:
    """One route per source and method, on ``target``."""
    for source in sources:
        answers: dict[int | str, dict[str, Any]] = {
            status: {"description": text} for status, text in source.gate_answers.items()
        }
        if source.name in BUSY_STATUS:
            answers[BUSY_STATUS[source.name]] = {"description": RESPONSES[429]["description"]}
        for method in source.methods:
            target.add_api_route(
                source.endpoint,
                _route(source),
                methods=[method],
                status_code=202,
                response_model=Accepted if source.one_alert else Received,
                operation_id=_operation_id(source, method),
                summary=source.title,
                description=source.description,
                openapi_extra=_body(source),
                responses={**RESPONSES, **answers},
            )


add_routes(router, SOURCES)
