"""Liveness with a real database check."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

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
