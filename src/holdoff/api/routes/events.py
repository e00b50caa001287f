"""``POST /events``: change events (deploys, config changes, scaling) that root-cause evidence lists
around an alert; ``GET /events`` lists them.

A sender authenticates like an alert source: ``evidence.events_token`` or the shared ``sources.token``
(``Authorization: Bearer``, ``X-Holdoff-Token`` or ``?token=``), or an operator's own credentials.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from holdoff.api.auth import AUTH_RESPONSES, by_method, identify, require
from holdoff.api.body import parse_body
from holdoff.api.deps import RuntimeDep
from holdoff.api.ingest_auth import presented_token
from holdoff.auth.roles import Role
from holdoff.evidence.model import Change
from holdoff.mediate.durations import parse_duration
from holdoff.runtime import Runtime
from holdoff.service.evidence import list_changes, record_changes

router = APIRouter(tags=["events"], responses=AUTH_RESPONSES)

MAX_EVENTS = 100
"""Change events one request may carry."""
MAX_BODY = 256 * 1024


class ChangeEventIn(BaseModel):
    """One change event as a sender posts it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["deploy", "config", "scale"]
    service: str = Field(min_length=1, max_length=200)
    environment: str | None = Field(default=None, min_length=1, max_length=100)
    at: AwareDatetime | None = Field(default=None, description="When it happened (default: when received).")
    summary: str = Field(min_length=1, max_length=2000)
    labels: dict[str, str] = Field(default_factory=dict, max_length=64)
    source: str = Field(default="api", min_length=1, max_length=64, description="Who sent it (ci, argo ...).")


class EventsAccepted(BaseModel):
    accepted: int
    ids: list[int]


class EventList(BaseModel):
    items: list[Change]


_MANY = TypeAdapter(list[ChangeEventIn])


def _same(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


async def event_sender(request: Request) -> str:
    """Who sends change events: ``events`` (the events token), ``sources`` (the shared source token) or
    ``operator``; 401/403 otherwise."""
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    presented = presented_token(request)
    if presented is not None:
        own = settings.evidence.events_token
        if own is not None and _same(presented, own.get_secret_value()):
            return "events"
        shared = settings.sources.token
        if shared is not None and _same(presented, shared.get_secret_value()):
            return "sources"
    await require(Role.OPERATOR)(request, await identify(request))
    return "operator"


def _problems(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors()[:10])


def parse_events(data: Any) -> list[ChangeEventIn]:
    """One event or a list of them, or a 400 saying what is wrong and where."""
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise HTTPException(
            400, f"expected a change event object or a list of them, got {type(data).__name__}"
        )
    if not data:
        raise HTTPException(400, "the list of change events is empty")
    if len(data) > MAX_EVENTS:
        raise HTTPException(400, f"at most {MAX_EVENTS} change events per request, got {len(data)}")
    try:
        return _MANY.validate_python(data)
    except ValidationError as error:
        raise HTTPException(400, _problems(error)) from None


@router.post(
    "/events",
    status_code=201,
    response_model=EventsAccepted,
    responses={400: {"description": "The body is not a change event (or list); the reason is given"}},
)
async def post_events(
    request: Request, runtime: RuntimeDep, sender: Annotated[str, Depends(event_sender)]
) -> EventsAccepted:
    """Record change events: ``{type: deploy|config|scale, service, environment?, at?, summary, labels?,
    source?}`` or a list of them."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, f"the body is larger than {MAX_BODY} bytes")
    if not body.strip():
        raise HTTPException(400, "request body is empty: send a change event as JSON")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(400, f"request body is not valid UTF-8 (byte {exc.start})") from None
    events = parse_events(parse_body(text))
    rows = [event.model_dump() for event in events]
    ids = await run_in_threadpool(record_changes, runtime.db, rows, runtime.clock())
    return EventsAccepted(accepted=len(ids), ids=ids)


def _since(name: str, text: str | None, now: datetime) -> datetime | None:
    """An ISO time with its zone, or a duration back from now (``2h``)."""
    if text is None:
        return None
    try:
        return now - parse_duration(text)
    except ValueError:
        pass
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise HTTPException(400, f"{name}: give an ISO time with its zone or a duration such as 2h") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@router.get("/events", response_model=EventList, dependencies=[Depends(by_method)])
async def get_events(
    runtime: RuntimeDep,
    service: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    since: Annotated[
        str | None, Query(max_length=40, description="ISO time, or a duration back (2h).")
    ] = None,
    until: Annotated[str | None, Query(max_length=40, description="ISO time, or a duration back.")] = None,
    type: Annotated[Literal["deploy", "config", "scale"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventList:
    """Change events, newest first."""
    now = runtime.clock()
    items = await run_in_threadpool(
        list_changes,
        runtime.db,
        since=_since("since", since, now),
        until=_since("until", until, now),
        service=service,
        type=type,
        limit=limit,
    )
    return EventList(items=items)
