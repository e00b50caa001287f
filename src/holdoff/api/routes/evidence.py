"""``GET /alerts/{id}/evidence``: the root-cause evidence of an alert's current occurrence, as last
computed (while held, refreshed; final once escalated or resolved)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from holdoff.api.auth import AUTH_RESPONSES, by_method
from holdoff.api.deps import RuntimeDep
from holdoff.api.routes.alerts import AlertId
from holdoff.evidence.model import Evidence
from holdoff.service.evidence import stored_evidence

router = APIRouter(
    prefix="/alerts", tags=["alerts"], dependencies=[Depends(by_method)], responses=AUTH_RESPONSES
)


class AlertEvidence(BaseModel):
    alert_id: int
    occurrence: int
    state: str
    """``scheduled`` (not computed yet), ``updating`` (the alert is held: computed again until it is not)
    or ``final``."""
    computed_at: datetime | None
    next_at: datetime | None
    evidence: Evidence | None


@router.get(
    "/{alert_id}/evidence",
    response_model=AlertEvidence,
    responses={404: {"description": "No such alert, or it was never held while evidence was on"}},
)
async def alert_evidence(alert_id: AlertId, runtime: RuntimeDep) -> AlertEvidence:
    """The logs of its service around its start, related alerts, and change events."""
    exists, stored = await run_in_threadpool(stored_evidence, runtime.db, alert_id)
    if not exists:
        raise HTTPException(404, f"no alert with id {alert_id}")
    if stored is None:
        raise HTTPException(404, f"alert {alert_id} has no evidence: it was not held while evidence was on")
    computed = stored.computed
    return AlertEvidence(
        alert_id=alert_id,
        occurrence=stored.occurrence,
        state="final" if stored.final else "updating" if computed else "scheduled",
        computed_at=stored.computed_at if computed else None,
        next_at=stored.next_at,
        evidence=Evidence.model_validate(stored.evidence) if computed else None,
    )
