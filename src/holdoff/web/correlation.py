"""The dashboard's correlation: the Split and Merge forms of the incident page, and ``/ui/correlation``
(the learned dependencies with their evidence, and the operators' splits and merges).

The forms post here (with the session's CSRF token, as every form does) and these routes call the same
service functions as ``POST /incidents/{id}/split`` and ``/merge``, then go back to the incident page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from holdoff.api.auth import Principal, require, require_page
from holdoff.api.deps import RuntimeDep
from holdoff.api.routes.correlation import feedback_out, learned_out, refused
from holdoff.auth.roles import Role
from holdoff.service import correlation_ops
from holdoff.service.correlation_ops import CorrelationRefused
from holdoff.service.mediation import IncidentNotFound
from holdoff.web.routes import render

router = APIRouter(include_in_schema=False)

RecordId = Annotated[int, Path(ge=1, le=2**62)]
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]
FEEDBACK_SHOWN = 200


@router.get("/ui/correlation", response_class=HTMLResponse, dependencies=[Depends(require_page(Role.VIEWER))])
async def correlation_page(request: Request, runtime: RuntimeDep) -> Response:
    """What correlation learned from history, and what operators told it."""
    learned = await run_in_threadpool(correlation_ops.learned_pairs, runtime.db)
    given = await run_in_threadpool(correlation_ops.feedback_given, runtime.db, limit=FEEDBACK_SHOWN)
    config = runtime.settings.correlation
    return render(
        request,
        "correlation.html.j2",
        nav="correlation",
        learned=[learned_out(row) for row in learned],
        feedback=[feedback_out(row) for row in given],
        enabled=config.enabled,
        learning=config.enabled and config.learned.enabled,
        history=config.learned.history,
        topology=config.topology,
        limit=FEEDBACK_SHOWN,
    )


def _back(incident_id: int, done: str) -> Response:
    return RedirectResponse(f"/ui/incidents/{incident_id}?done={done}", status_code=status.HTTP_303_SEE_OTHER)


def _refused(request: Request, exc: Exception) -> Response:
    answer = refused(exc)
    return render(request, "error.html.j2", answer.status_code, title="Not done", message=str(answer.detail))


@router.post("/ui/incidents/{incident_id}/split", response_class=HTMLResponse)
async def split_form(
    incident_id: RecordId, request: Request, runtime: RuntimeDep, principal: Operator
) -> Response:
    """The incident page's Split button."""
    try:
        await run_in_threadpool(
            correlation_ops.split, runtime.db, incident_id, by=principal.actor(None), now=runtime.clock()
        )
    except (IncidentNotFound, CorrelationRefused) as exc:
        return _refused(request, exc)
    return _back(incident_id, "split")


@router.post("/ui/incidents/{incident_id}/merge", response_class=HTMLResponse)
async def merge_form(
    incident_id: RecordId,
    request: Request,
    runtime: RuntimeDep,
    principal: Operator,
    into: Annotated[int, Form(ge=1, le=2**62)],
) -> Response:
    """The incident page's Merge form: this incident into the correlated incident of ``into``."""
    try:
        await run_in_threadpool(
            correlation_ops.merge,
            runtime.db,
            into,
            incident_id,
            by=principal.actor(None),
            now=runtime.clock(),
        )
    except (IncidentNotFound, CorrelationRefused) as exc:
        return _refused(request, exc)
    return _back(incident_id, "merge")
