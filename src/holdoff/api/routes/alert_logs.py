"""``GET /alerts/{id}/logs``: the log lines of an alert's service around its start, from the user's
log store when ``logs: lookup:`` names one, otherwise from Holdoff's own recent lines."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime, BaseModel, ValidationError

from holdoff.api.auth import AUTH_RESPONSES, by_method
from holdoff.api.deps import RuntimeDep
from holdoff.api.routes.alerts import AlertId
from holdoff.logs.lookup.around import Around, NoService
from holdoff.logs.lookup.query import MAX_LINES, FoundLine, LookupFailed, LookupQuery
from holdoff.mediate.durations import parse_duration
from holdoff.service.log_context import alert_lines

router = APIRouter(
    prefix="/alerts", tags=["alerts"], dependencies=[Depends(by_method)], responses=AUTH_RESPONSES
)


class AlertLogs(BaseModel):
    """The lines around one alert, newest first."""

    alert_id: int
    started: AwareDatetime
    source: str
    query: LookupQuery
    lines: list[FoundLine]


def _duration(name: str, text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise HTTPException(400, f"{name}: {error}") from None


@router.get(
    "/{alert_id}/logs",
    response_model=AlertLogs,
    responses={
        400: {"description": "A parameter is wrong, or the alert names no service and none was given"},
        404: {"description": "No such alert"},
        502: {"description": "The configured log store did not answer (the reason is given)"},
    },
)
async def alert_logs(
    alert_id: AlertId,
    runtime: RuntimeDep,
    before: Annotated[str, Query(max_length=20, description="How long before the start (e.g. 10m).")] = "10m",
    after: Annotated[str, Query(max_length=20, description="How long after the start (e.g. 5m).")] = "5m",
    limit: Annotated[int, Query(ge=1, le=MAX_LINES)] = 200,
    contains: Annotated[str | None, Query(min_length=1, max_length=1000)] = None,
    service: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    host: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
    same_template: bool = False,
) -> AlertLogs:
    """The log lines of the alert's service (its ``service`` label, or ``app``, ``application``,
    ``subsystem``, ``job``; or ``?service=``) from ``before`` its start to ``after`` it."""
    try:
        around = Around(
            before=_duration("before", before),
            after=_duration("after", after),
            limit=limit,
            contains=contains,
            service=service,
            host=host,
            same_template=same_template,
        )
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise HTTPException(400, problems) from None
    try:
        found = await run_in_threadpool(alert_lines, runtime.db, runtime.log_lookup, alert_id, around)
    except NoService as error:
        raise HTTPException(400, str(error)) from None
    except LookupFailed as error:
        raise HTTPException(502, str(error)) from None
    if found is None:
        raise HTTPException(404, f"no alert with id {alert_id}")
    return AlertLogs(
        alert_id=found.alert_id,
        started=found.started,
        source=found.source,
        query=found.query,
        lines=found.lines,
    )
