"""The FastAPI application, built from a :class:`~holdoff.runtime.Runtime`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from holdoff import __version__
from holdoff.api import errors
from holdoff.api.limits import BodySizeLimit
from holdoff.api.routes import (
    actions,
    admin,
    alerts,
    cloudwatch,
    coralogix,
    health,
    incidents,
    silences,
    sources,
)
from holdoff.ingest.registry import SOURCES
from holdoff.runtime import Runtime


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
    )
    app.state.runtime = runtime
    app.add_middleware(BodySizeLimit)
    errors.install(app)
    app.include_router(health.router)
    app.include_router(coralogix.router)
    app.include_router(sources.router)
    app.include_router(admin.router)
    app.include_router(cloudwatch.router)
    app.include_router(alerts.router)
    app.include_router(incidents.router)
    app.include_router(actions.router)
    app.include_router(silences.router)

    @app.get("/", include_in_schema=False)
    async def index() -> dict[str, Any]:
        return {
            "service": "holdoff",
            "version": __version__,
            "docs": "/docs",
            "webhooks": {
                "coralogix": "/coralogix/webhook",
                **{source.name: f"/webhooks/{source.name}" for source in SOURCES},
                "cloudwatch": "/webhooks/cloudwatch",
            },
            "alerts": "/alerts",
            "incidents": "/incidents",
        }

    return app
