"""The FastAPI application, built from a :class:`~holdoff.runtime.Runtime`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool

from holdoff import __version__
from holdoff.api import auth as access_control
from holdoff.api import errors, origin
from holdoff.api.auth import Principal, authenticated, require_page
from holdoff.api.limits import BodySizeLimit
from holdoff.api.query_text import QueryText
from holdoff.api.routes import (
    actions,
    admin,
    alert_logs,
    alerts,
    anomalies,
    audit,
    auth,
    channels,
    correlation,
    docs,
    events,
    evidence,
    health,
    incidents,
    log_views,
    logs,
    metric_ingest,
    metrics,
    policy,
    prometheus,
    silences,
    sources,
    users,
    ws,
)
from holdoff.auth.roles import Role
from holdoff.ingest.registry import SOURCES
from holdoff.runtime import Runtime
from holdoff.telemetry import process_telemetry
from holdoff.telemetry.webhooks import WebhookTelemetry
from holdoff.web import anomalies as anomaly_pages
from holdoff.web import correlation as correlation_pages
from holdoff.web import routes as web


def create_app(runtime: Runtime) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(runtime.start)
        try:
            yield
        finally:
            await run_in_threadpool(runtime.stop)

    app = FastAPI(
        title="Holdoff",
        version=__version__,
        summary="Holds off transient alerts; escalates what stays broken.",
        lifespan=lifespan,
        docs_url=None,  # /docs, /redoc and /openapi.json: routes/docs.py, offline and role-checked
        redoc_url=None,
        openapi_url=None,
    )
    app.state.runtime = runtime
    app.add_middleware(BodySizeLimit)
    app.add_middleware(QueryText)
    errors.install(app)
    access_control.install(app, runtime)
    app.add_middleware(
        WebhookTelemetry, endpoints={s.endpoint: s.name for s in SOURCES}, telemetry=process_telemetry()
    )
    origin.install(app, runtime.settings)  # outermost: a refused request runs nothing else
    app.include_router(health.router)
    app.include_router(sources.router)
    app.include_router(admin.router)
    app.include_router(alerts.router)
    app.include_router(alert_logs.router)
    app.include_router(evidence.router)
    app.include_router(events.router)
    app.include_router(incidents.router)
    app.include_router(correlation.router)
    app.include_router(actions.router)
    app.include_router(silences.router)
    app.include_router(auth.router)
    app.include_router(audit.router)
    app.include_router(users.router)
    app.include_router(metrics.router)
    app.include_router(channels.router)
    app.include_router(policy.router)
    app.include_router(logs.router)
    app.include_router(log_views.router)
    app.include_router(metric_ingest.router)
    app.include_router(anomalies.router)
    app.include_router(prometheus.router)
    app.include_router(ws.router)
    docs.install(app)

    web.install(app)
    app.include_router(anomaly_pages.router)
    app.include_router(correlation_pages.router)

    @app.get("/", include_in_schema=False)
    async def index(request: Request, principal: Annotated[Principal | None, Depends(authenticated)]) -> Any:
        if web.wants_html(request):  # a browser gets the dashboard; curl and API clients this index
            await require_page(Role.VIEWER)(request, principal)  # no credentials: off to /login
            return await web.dashboard(request)
        return {
            "service": "holdoff",
            "version": __version__,
            "docs": "/docs",
            "webhooks": {source.name: source.endpoint for source in SOURCES},
            "alerts": "/alerts",
            "incidents": "/incidents",
        }

    return app
