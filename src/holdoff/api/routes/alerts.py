"""Alerts: list, detail with timeline and delivery attempts, and operator actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from holdoff.api.alert_filters import alert_filter
from holdoff.api.auth import AUTH_RESPONSES, ByMethod, Principal, access_of, by_method
from holdoff.api.deps import RuntimeDep
from holdoff.api.presenters import accepted, alert_detail, alert_out
from holdoff.api.routes.audit import audit_out
from holdoff.api.schemas import Accepted, AlertDetail, AlertPage, AuditOut, OperatorAction
from holdoff.auth.roles import Role
from holdoff.mediate.model import Action, AlertState
from holdoff.service import queries
from holdoff.store.alert_search import AlertFilter

router = APIRouter(
    prefix="/alerts", tags=["alerts"], dependencies=[Depends(by_method)], responses=AUTH_RESPONSES
)

AUDIT_SHOWN = 50
"""Audit entries shown with an alert."""

AlertId = Annotated[int, Path(ge=1, le=2**62, description="The alert's id, as in its URL.")]
ActionBody = Annotated[OperatorAction | None, Body()]
_NO_FILTER = AlertFilter()


def _states(status: str | None) -> list[AlertState]:
    if not status:
        return []
    states = []
    for name in status.split(","):
        try:
            states.append(AlertState(name.strip().lower()))
        except ValueError:
            known = ", ".join(state.value for state in AlertState)
            raise HTTPException(400, f"unknown status {name.strip()!r}: use one or more of {known}") from None
    return states


@router.get("", response_model=AlertPage)
async def list_alerts(
    runtime: RuntimeDep,
    status: Annotated[
        str | None, Query(description="Comma-separated states, e.g. pending,escalated.", max_length=200)
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[
        str | None, Query(max_length=200, description="next_cursor from the previous page.")
    ] = None,
    where: Annotated[AlertFilter, Depends(alert_filter)] = _NO_FILTER,
) -> AlertPage:
    """Alerts with the most recent activity first, narrowed by any of the filters."""
    states = _states(status)
    items, next_cursor = await run_in_threadpool(
        queries.list_alerts, runtime.db, states=states, limit=limit, cursor=cursor, where=where
    )
    now = runtime.clock()
    public_url = runtime.settings.resolved_public_url
    return AlertPage(items=[alert_out(item, public_url, now) for item in items], next_cursor=next_cursor)


@router.get("/{alert_id}", response_model=AlertDetail, responses={404: {"description": "No such alert"}})
async def get_alert(
    alert_id: AlertId, request: Request, runtime: RuntimeDep, principal: ByMethod
) -> AlertDetail:
    """One alert with its timeline of events and every notification attempt; for admins also the audit
    entries of the requests made about it (who, with which role, when, and how they were answered).
    Other roles get an empty ``audit``, as they may not read ``GET /audit`` either."""
    history = await run_in_threadpool(queries.alert_history, runtime.db, alert_id)
    if history is None:
        raise HTTPException(404, f"no alert with id {alert_id}")
    detail = alert_detail(history, runtime.settings.resolved_public_url, runtime.clock())
    return detail.model_copy(update={"audit": await audit_for(request, principal, alert_id)})


async def audit_for(request: Request, principal: Principal, alert_id: int) -> list[AuditOut]:
    """The audit entries about an alert that ``principal`` may read: all of them for an admin, none
    for anyone else (the dashboard's alert page shows the same)."""
    if not principal.role.allows(Role.ADMIN):
        return []
    entries = await run_in_threadpool(
        access_of(request).audit.listing, AUDIT_SHOWN, target=f"alert:{alert_id}"
    )
    return [audit_out(entry) for entry in entries]


async def _act(
    runtime: RuntimeDep, principal: Principal, alert_id: int, action: Action, body: OperatorAction | None
) -> Accepted:
    actor = principal.actor(body.by if body else None)
    note = body.note if body else None
    applied = await run_in_threadpool(runtime.mediator.apply_to, alert_id, action, actor=actor, note=note)
    return accepted(applied, runtime.settings.resolved_public_url)


_ACTION_RESPONSES: dict[int | str, dict[str, str]] = {
    404: {"description": "No such alert"},
    409: {"description": "The alert's state does not allow this action"},
}


@router.post("/{alert_id}/acknowledge", response_model=Accepted, responses=_ACTION_RESPONSES)
async def acknowledge(
    alert_id: AlertId, runtime: RuntimeDep, principal: ByMethod, body: ActionBody = None
) -> Accepted:
    """Someone is on it: stops the escalation of a pending alert."""
    return await _act(runtime, principal, alert_id, Action.ACKNOWLEDGED, body)


@router.post("/{alert_id}/suppress", response_model=Accepted, responses=_ACTION_RESPONSES)
async def suppress(
    alert_id: AlertId, runtime: RuntimeDep, principal: ByMethod, body: ActionBody = None
) -> Accepted:
    """Mute the alert until it resolves: stored and shown, never notified."""
    return await _act(runtime, principal, alert_id, Action.SUPPRESSED, body)


@router.post("/{alert_id}/resolve", response_model=Accepted, responses=_ACTION_RESPONSES)
async def resolve(
    alert_id: AlertId, runtime: RuntimeDep, principal: ByMethod, body: ActionBody = None
) -> Accepted:
    """Resolve by hand, as if the source had sent a resolve."""
    return await _act(runtime, principal, alert_id, Action.RESOLVED, body)
