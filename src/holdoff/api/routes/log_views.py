"""What the Logs page reads, and operators' marks on templates.

- ``GET /logs/critical``: lines judged critical, newest first (``?after_id=`` for polling), each with
  its verdict: assessed severity, score (the confidence that it is critical) and reason.
- ``GET /logs/templates``: the templates with the most lines in a window, with a count per minute.
- ``GET /logs/templates/new``: templates first seen in a window.
- ``GET /logs/templates/{template_id}``: one template, its counts, mark and recent lines.
- ``PUT|DELETE /logs/templates/{template_id}/mark``: an operator says a template is critical or noise
  (feedback: the ingest applies it at once, retraining learns from it). The audit trail records it.

Reading needs the viewer role, marking the operator role. ``GET /logs`` (the lines) is in
:mod:`holdoff.api.routes.logs`; every path here is below ``/logs/`` and none is a bare parameter.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from holdoff.api.auth import AUTH_RESPONSES, ByMethod, by_method
from holdoff.api.deps import RuntimeDep
from holdoff.mediate.durations import parse_duration
from holdoff.store import log_marks, log_views
from holdoff.store.db import Database
from holdoff.store.log_lines import LogLineRow

router = APIRouter(prefix="/logs", tags=["logs"], dependencies=[Depends(by_method)], responses=AUTH_RESPONSES)

DEFAULT_WINDOW = "1h"
MIN_WINDOW = timedelta(minutes=1)
MAX_WINDOW = timedelta(days=7)
RECENT_LINES = 20

TemplateId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="A template's id (as in a line's `template_id`).",
    ),
]
Window = Annotated[
    str,
    Query(
        max_length=16,
        description="How far back from now: `90s`, `15m`, `1h`, `2d` (1 minute to 7 days).",
    ),
]
Service = Annotated[str | None, Query(min_length=1, max_length=200, description="Only this service.")]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such template"}}
_BAD_WINDOW: dict[int | str, dict[str, Any]] = {422: {"description": "A window that is not a duration"}}


class FeatureOut(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="What weighed: `level=FATAL`, `word:panic`, `template:new` …")
    weight: float = Field(description="How much; positive pushes towards critical.")


class LogVerdictLine(BaseModel):
    """A stored line with Holdoff's verdict on it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    timestamp: datetime
    received_at: datetime
    service: str
    host: str | None
    level: str | None = Field(description="The declared level, as sent.")
    message: str
    template_id: str | None
    severity: str | None = Field(description="Holdoff's assessed severity; null: not judged.")
    critical: bool | None
    score: float | None = Field(description="How sure the model is that the line is critical, 0 to 1.")
    reason: list[FeatureOut] = Field(description="The features that weighed most, strongest first.")
    model_version: str | None


class CriticalLineOut(LogVerdictLine):
    template: str | None = Field(description="The line's template text.")
    mark: bool | None = Field(description="The template's mark: true critical, false noise, null none.")


class CriticalPage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    items: list[CriticalLineOut]
    last_id: int | None = Field(
        description="The newest line's id: pass it as `after_id` to poll for newer ones."
    )


class TemplateActivityOut(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    template_id: str
    template: str
    count: int = Field(description="Lines in the window.")
    critical: int = Field(description="Of them, judged critical.")
    series: list[int] = Field(description="Lines per minute over the window, oldest first.")
    mark: bool | None


class TemplateActivityPage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    since: datetime = Field(description="The first minute of the window (the series' first point).")
    until: datetime
    services: list[str] = Field(description="Services that wrote lines in the window (for a filter).")
    items: list[TemplateActivityOut]


class NewTemplateOut(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    template_id: str
    template: str
    count: int = Field(description="Lines counted under it so far.")
    first_seen: datetime | None
    last_seen: datetime | None
    mark: bool | None


class NewTemplatePage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    since: datetime
    items: list[NewTemplateOut]


class TemplateOut(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    template_id: str
    template: str
    count: int = Field(description="Lines ever counted under it.")
    critical: int = Field(description="Lines judged critical, over the per-minute counts still kept.")
    first_seen: datetime | None
    last_seen: datetime | None
    merged_into: str | None = Field(description="The template it was merged into; its lines count there.")
    mark: bool | None
    marked_by: str | None
    marked_at: datetime | None
    lines: list[LogVerdictLine] = Field(description="Its most recent stored lines, newest first.")


class MarkIn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    critical: bool = Field(description="true: its lines are worth paging for; false: noise.")


class MarkOut(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    template_id: str = Field(description="The template marked (the one a merged id now counts under).")
    critical: bool
    template: str
    example: str = Field(description="A recent line of the template, kept as training feedback.")
    level: str | None
    actor: str
    marked_at: datetime


def parse_window(text: str) -> timedelta:
    """A window's length from its text (``15m``, ``1h``); ValueError saying why when it is not one."""
    try:
        window = parse_duration(text)
    except OverflowError:
        raise ValueError(f"{text!r} is outside 1m to 7d") from None
    if not MIN_WINDOW <= window <= MAX_WINDOW:
        raise ValueError(f"{text!r} is outside 1m to 7d")
    return window


def _window(text: str) -> timedelta:
    try:
        return parse_window(text)
    except ValueError as exc:
        raise HTTPException(422, f"window: {exc}") from None


def _verdict_fields(row: LogLineRow) -> dict[str, Any]:
    return {
        "id": row.id or 0,
        "timestamp": row.timestamp,
        "received_at": row.received_at,
        "service": row.service,
        "host": row.host,
        "level": row.level,
        "message": row.message,
        "template_id": row.template_id,
        "severity": row.severity,
        "critical": row.critical,
        "score": row.score,
        "reason": [FeatureOut(name=str(name), weight=float(weight)) for name, weight in row.reason or []],
        "model_version": row.model_version,
    }


def read_critical(db: Database, *, after_id: int | None, service: str | None, limit: int) -> CriticalPage:
    """``GET /logs/critical``'s answer (the Logs page's first paint reads it too)."""
    with db.read() as conn:
        found = log_views.critical_lines(conn, after_id=after_id, service=service, limit=limit)
    items = [CriticalLineOut(**_verdict_fields(c.line), template=c.template, mark=c.mark) for c in found]
    return CriticalPage(items=items, last_id=items[0].id if items else after_id)


def read_top(
    db: Database, *, now: datetime, window: timedelta, service: str | None, limit: int
) -> TemplateActivityPage:
    """``GET /logs/templates``'s answer."""
    with db.read() as conn:
        top = log_views.top_templates(conn, now=now, window=window, service=service, limit=limit)
        services = log_views.services(conn, now=now, window=window)
    return TemplateActivityPage(
        since=log_views.minutes_of(now, window)[0],
        until=now,
        services=services,
        items=[
            TemplateActivityOut(
                template_id=t.template_id,
                template=t.template,
                count=t.count,
                critical=t.critical,
                series=list(t.series),
                mark=t.mark,
            )
            for t in top
        ],
    )


def read_new(
    db: Database, *, now: datetime, window: timedelta, service: str | None, limit: int
) -> NewTemplatePage:
    """``GET /logs/templates/new``'s answer."""
    with db.read() as conn:
        found = log_views.new_templates(conn, now=now, window=window, service=service, limit=limit)
    return NewTemplatePage(
        since=now - window,
        items=[
            NewTemplateOut(
                template_id=t.template_id,
                template=t.template,
                count=t.count,
                first_seen=t.first_seen,
                last_seen=t.last_seen,
                mark=t.mark,
            )
            for t in found
        ],
    )


@router.get("/critical", response_model=CriticalPage)
async def critical_lines(
    runtime: RuntimeDep,
    after_id: Annotated[
        int | None, Query(ge=0, le=2**62, description="Only lines stored after this one.")
    ] = None,
    service: Service = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CriticalPage:
    """Lines judged critical, newest first, each with its reason and score."""
    return await run_in_threadpool(read_critical, runtime.db, after_id=after_id, service=service, limit=limit)


@router.get("/templates", response_model=TemplateActivityPage, responses=_BAD_WINDOW)
async def top_templates(
    runtime: RuntimeDep,
    window: Window = DEFAULT_WINDOW,
    service: Service = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> TemplateActivityPage:
    """The templates with the most lines in the window, most first, with their lines per minute."""
    length = _window(window)
    return await run_in_threadpool(
        read_top, runtime.db, now=runtime.clock(), window=length, service=service, limit=limit
    )


@router.get("/templates/new", response_model=NewTemplatePage, responses=_BAD_WINDOW)
async def new_templates(
    runtime: RuntimeDep,
    window: Window = DEFAULT_WINDOW,
    service: Service = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NewTemplatePage:
    """Templates first seen in the window, newest first."""
    length = _window(window)
    return await run_in_threadpool(
        read_new, runtime.db, now=runtime.clock(), window=length, service=service, limit=limit
    )


@router.get("/templates/{template_id}", response_model=TemplateOut, responses=_NOT_FOUND)
async def get_template(template_id: TemplateId, runtime: RuntimeDep) -> TemplateOut:
    """One template: its text, counts, first and last seen, mark and most recent lines."""

    def read() -> log_views.TemplateDetail | None:
        with runtime.db.read() as conn:
            return log_views.template_detail(conn, template_id, lines=RECENT_LINES)

    detail = await run_in_threadpool(read)
    if detail is None:
        raise HTTPException(404, f"there is no log template {template_id!r}")
    return TemplateOut(
        template_id=detail.template_id,
        template=detail.template,
        count=detail.count,
        critical=detail.critical,
        first_seen=detail.first_seen,
        last_seen=detail.last_seen,
        merged_into=detail.merged_into,
        mark=detail.mark,
        marked_by=detail.marked_by,
        marked_at=detail.marked_at,
        lines=[LogVerdictLine(**_verdict_fields(line)) for line in detail.lines],
    )


@router.put("/templates/{template_id}/mark", response_model=MarkOut, responses=_NOT_FOUND)
async def mark_template(
    template_id: TemplateId, body: MarkIn, runtime: RuntimeDep, principal: ByMethod
) -> MarkOut:
    """Say the template's lines are critical or noise (operator); the latest mark replaces the one before."""
    actor, now = principal.actor(None), runtime.clock()

    def write() -> log_marks.MarkRow | None:
        with runtime.db.transaction() as conn:
            return log_marks.mark_template(conn, template_id, critical=body.critical, actor=actor, at=now)

    stored = await run_in_threadpool(write)
    if stored is None:
        raise HTTPException(404, f"there is no log template {template_id!r} to mark")
    runtime.log_judge.marks_changed()  # this process's next batch is judged with it
    return MarkOut(
        template_id=stored.template_id,
        critical=stored.critical,
        template=stored.template,
        example=stored.example,
        level=stored.level,
        actor=stored.actor,
        marked_at=stored.marked_at,
    )


@router.delete(
    "/templates/{template_id}/mark",
    status_code=204,
    response_class=Response,
    responses={404: {"description": "The template has no mark"}},
)
async def unmark_template(template_id: TemplateId, runtime: RuntimeDep) -> Response:
    """Forget the template's mark (operator): its lines are judged by the model alone again."""

    def write() -> bool:
        with runtime.db.transaction() as conn:
            return log_marks.unmark_template(conn, template_id)

    if not await run_in_threadpool(write):
        raise HTTPException(404, f"log template {template_id!r} has no mark")
    runtime.log_judge.marks_changed()
    return Response(status_code=204)
