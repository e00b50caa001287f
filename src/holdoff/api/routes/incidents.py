"""Incidents: alerts grouped by their route's group labels; list, detail, and acknowledge them all at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query
from fastapi.concurrency import run_in_threadpool

from holdoff.api.auth import AUTH_RESPONSES, ByMethod, by_method
from holdoff.api.deps import RuntimeDep
from holdoff.api.presenters import incident_detail, incident_out
from holdoff.api.routes.correlation import IncidentCorrelated, correlation_out
from holdoff.api.schemas import IncidentAcknowledged, IncidentPage, OperatorAction
from holdoff.mediate.grouping import IncidentState
from holdoff.service import correlation_ops, queries
from holdoff.service.mediation import IncidentNotFound

router = APIRouter(
    prefix="/incidents", tags=["incidents"], dependencies=[Depends(by_method)], responses=AUTH_RESPONSES
)

IncidentId = Annotated[int, Path(ge=1, le=2**62, description="The incident's id, as in its URL.")]


@router.get("", response_model=IncidentPage)
async def list_incidents(
    runtime: RuntimeDep,
    state: Annotated[IncidentState | None, Query(description="open or resolved; both when left out.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> IncidentPage:
    """Incidents with the most recent activity first (only routes with grouping make incidents)."""
    items = await run_in_threadpool(queries.list_incidents, runtime.db, state=state, limit=limit)
    public_url = runtime.settings.resolved_public_url
    return IncidentPage(items=[incident_out(item, public_url) for item in items])


@router.get(
    "/{incident_id}", response_model=IncidentCorrelated, responses={404: {"description": "No such incident"}}
)
async def get_incident(incident_id: IncidentId, runtime: RuntimeDep) -> IncidentCorrelated:
    """One incident with its firing alerts, every message sent about it, and the correlated incident it
    belongs to (its members, why each joined, and the probable root with its reasons)."""
    history = await run_in_threadpool(queries.incident_history, runtime.db, incident_id)
    if history is None:
        raise HTTPException(404, f"no incident with id {incident_id}")
    public_url = runtime.settings.resolved_public_url
    found = await run_in_threadpool(
        correlation_ops.correlation_of, runtime.db, incident_id, runtime.settings.correlation
    )
    detail = incident_detail(history, public_url, runtime.clock())
    return IncidentCorrelated(
        **detail.model_dump(), correlation=correlation_out(found, public_url) if found else None
    )


@router.post(
    "/{incident_id}/acknowledge",
    response_model=IncidentAcknowledged,
    responses={404: {"description": "No such incident"}},
)
async def acknowledge(
    incident_id: IncidentId,
    runtime: RuntimeDep,
    principal: ByMethod,
    body: Annotated[OperatorAction | None, Body()] = None,
) -> IncidentAcknowledged:
    """Someone is on it: acknowledges every firing alert of the incident (stopping their escalation chains)."""
    actor = principal.actor(body.by if body else None)
    try:
        done, unchanged = await run_in_threadpool(
            runtime.mediator.acknowledge_incident, incident_id, actor=actor
        )
    except IncidentNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    return IncidentAcknowledged(incident_id=incident_id, acknowledged=done, unchanged=unchanged)
