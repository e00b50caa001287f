"""The Anomalies page (``/ui/anomalies``): every scored metric series with its learning state (and the
history it still misses), last value and anomaly score, and its open alert. Server-rendered from the
same answer as ``GET /anomalies/series``; no script."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from holdoff.api.auth import require_page
from holdoff.api.deps import RuntimeDep
from holdoff.api.routes.anomalies import read_series
from holdoff.auth.roles import Role
from holdoff.web.routes import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_page(Role.VIEWER))])

PHASES = ("warming_up", "ready", "low_confidence")
ROWS = 200


@router.get("/ui/anomalies", response_class=HTMLResponse)
async def anomalies_page(
    request: Request,
    runtime: RuntimeDep,
    search: Annotated[str | None, Query(max_length=200)] = None,
    phase: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Scored series, the highest last score first."""
    wanted_phase = phase if phase in PHASES else None
    text = search.strip() if search and search.strip() else None
    page = await run_in_threadpool(
        read_series,
        runtime.db,
        name=None,
        phase=wanted_phase,
        entry=None,
        search=text,
        min_score=None,
        limit=ROWS,
        offset=0,
    )
    return render(
        request,
        "anomalies.html.j2",
        nav="anomalies",
        page=page,
        phases=PHASES,
        phase=wanted_phase or "",
        search=text or "",
        limit=ROWS,
    )
