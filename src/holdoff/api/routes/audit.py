"""``GET /audit``: who did what, when, and how it ended (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from holdoff.api.auth import AUTH_RESPONSES, access_of, require
from holdoff.api.schemas import AuditOut
from holdoff.auth.roles import Role
from holdoff.store.audit import AuditEntry

router = APIRouter(tags=["audit"], dependencies=[Depends(require(Role.ADMIN))], responses=AUTH_RESPONSES)


class AuditPage(BaseModel):
    items: list[AuditOut]
    next_before: int | None = Field(description="Pass as ?before= for older entries; null at the end.")


def audit_out(entry: AuditEntry) -> AuditOut:
    return AuditOut(
        id=entry.id,
        at=entry.at,
        who=entry.who,
        via=entry.via,
        role=entry.role,
        method=entry.method,
        path=entry.path,
        target=entry.target,
        status=entry.status,
    )


@router.get("/audit", response_model=AuditPage)
async def list_audit(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    target: Annotated[
        str | None, Query(max_length=64, description="Only entries about this, e.g. alert:12.")
    ] = None,
    before: Annotated[
        int | None, Query(ge=1, le=2**62, description="Only entries older than this id.")
    ] = None,
) -> AuditPage:
    """Audit entries, newest first: every change made through the API or dashboard, and every login."""
    entries = await run_in_threadpool(access_of(request).audit.listing, limit, target=target, before=before)
    next_before = entries[-1].id if len(entries) == limit else None
    return AuditPage(items=[audit_out(entry) for entry in entries], next_before=next_before)
