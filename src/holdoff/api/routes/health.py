"""Liveness with a real database check (``/health``), and readiness (``/ready``): whether this process
should be sent work now."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from holdoff import __version__
from holdoff.api.deps import RuntimeDep
from holdoff.api.schemas import Health

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health(runtime: RuntimeDep) -> Health | JSONResponse:
    """200 when the database answers; 503 (with the reason logged) when it does not."""
    try:
        await run_in_threadpool(runtime.db.ping)
    except Exception as exc:
        log.error("health check: database unavailable: %s", exc)
        body = Health(status="unavailable", database="unreachable", version=__version__)
        return JSONResponse(body.model_dump(), status_code=503)
    return Health(status="ok", database="ok", version=__version__)


class Ready(BaseModel):
    status: str
    """``ready`` or ``not ready``."""
    reasons: list[str]
    """Why not (empty when ready)."""


@router.get("/ready", response_model=Ready, responses={503: {"model": Ready}})
async def ready(runtime: RuntimeDep) -> Ready | JSONResponse:
    """200 when this process should take work: its database answers and its undelivered messages are
    below the backpressure bound (it would refuse webhooks otherwise). 503 with the reasons when not: a
    load balancer or Kubernetes sends the work to another process meanwhile."""
    reasons: list[str] = []
    try:
        await run_in_threadpool(runtime.db.ping)
    except Exception as exc:
        log.error("readiness: database unavailable: %s", exc)
        reasons.append("the database does not answer")
    backlog = runtime.outbox_backlog
    if backlog.bound is not None and backlog.depth >= backlog.bound:
        reasons.append(f"{backlog.depth} undelivered messages, the bound is {backlog.bound}")
    if reasons:
        return JSONResponse(Ready(status="not ready", reasons=reasons).model_dump(), status_code=503)
    return Ready(status="ready", reasons=[])
