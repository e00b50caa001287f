"""The dashboard's HTML pages. Each handler reads through the services and renders one template."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import Scope

from holdoff import __version__
from holdoff.api.auth import Principal, access_of, require_page
from holdoff.api.deps import RuntimeDep
from holdoff.api.presenters import alert_detail, alert_out, incident_detail, incident_out
from holdoff.api.routes import log_views as log_api
from holdoff.api.routes.alerts import audit_for
from holdoff.api.routes.correlation import correlation_out
from holdoff.api.routes.metrics import SummaryOut, summary_out
from holdoff.api.routes.silences import silence_out
from holdoff.api.schemas import AlertOut
from holdoff.auth.roles import Role
from holdoff.ingest.registry import NAMES
from holdoff.mediate.grouping import IncidentState
from holdoff.mediate.model import AlertState
from holdoff.notify.registry import describe_channels
from holdoff.policy.describe import describe_policy, describe_routes
from holdoff.runtime import Runtime
from holdoff.service import correlation_ops, queries, summary
from holdoff.service.evidence import stored_evidence
from holdoff.settings.warnings import config_warnings, source_access
from holdoff.web import views
from holdoff.web.evidence import evidence_shown

HERE = FilePath(__file__).parent
STATIC_MAX_AGE = 3600
"""Seconds browsers may keep a static file; pages ask for ``?v=<version>``, so an upgrade is seen at once."""

STATES = tuple(state.value for state in AlertState)
SOURCE_NAMES = (*NAMES, "holdoff")
"""The dashboard's source filter: every source of the table, and Holdoff's own alerts (a channel failing)."""

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_page(Role.VIEWER))])

RecordId = Annotated[int, Path(ge=1, le=2**62)]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = views.duration_text
    env.filters["when"] = views.when_text
    env.filters["web_link"] = views.web_link
    return env


templates = Jinja2Templates(env=_environment())


def _security_headers(request: Request) -> dict[str, str]:
    host = request.url.netloc
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' ws://{host} wss://{host}; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page in the base layout; ``csrf_token`` and ``user`` come from the auth layer when it set them."""
    runtime: Runtime = request.app.state.runtime
    principal: Principal | None = getattr(request.state, "principal", None)
    base = {
        "version": __version__,
        "csrf_token": (principal.csrf_token if principal is not None else None) or "",
        "user": principal.name if principal is not None and principal.how != "open" else None,
        "open_mode": principal is not None and principal.how == "open",
        # What the page offers: actions are only shown to roles that may take them (the API refuses the
        # rest anyway). The same role is on <body data-role> for the scripts that draw rows.
        "role": principal.role.value if principal is not None else "",
        "may_act": principal is not None and principal.role.allows(Role.OPERATOR),
        "is_admin": principal is not None and principal.role.allows(Role.ADMIN),
        "public_url": runtime.settings.resolved_public_url,
        "nav": "",
    }
    response = templates.TemplateResponse(request, template, {**base, **context}, status_code=status_code)
    response.headers.update(_security_headers(request))
    return response


def not_found(request: Request, what: str) -> HTMLResponse:
    return render(request, "error.html.j2", 404, title="Not found", message=what)


def wants_html(request: Request) -> bool:
    """True for browsers (their Accept lists text/html); curl and API clients get JSON."""
    return "text/html" in request.headers.get("accept", "").lower()


def _alert_list(runtime: Runtime, filters: views.AlertFilters) -> tuple[list[AlertOut], SummaryOut]:
    """The first paint: the list, and the summary ``GET /metrics/summary`` would answer now (cards,
    today's alerts in and pages out, and the chart's series)."""
    items, _ = queries.list_alerts(
        runtime.db, states=filters.status, limit=views.LIST_LIMIT, cursor=None, where=filters.to_store()
    )
    now = runtime.clock()
    public_url = runtime.settings.resolved_public_url
    figures = summary_out(summary.summarize(runtime.db, now))
    return [alert_out(item, public_url, now) for item in items], figures


async def dashboard(request: Request) -> Response:
    """``/`` for a browser: summary cards, filters and the live alert list."""
    runtime: Runtime = request.app.state.runtime
    try:
        filters = views.AlertFilters.parse(request.query_params)
    except views.FilterError as exc:
        return render(request, "error.html.j2", 400, title="Bad filter", message=str(exc))
    alerts, figures = await run_in_threadpool(_alert_list, runtime, filters)
    counts = figures.states.model_dump()
    return render(
        request,
        "dashboard.html.j2",
        nav="alerts",
        alerts=alerts,
        alerts_json=[alert.model_dump(mode="json") for alert in alerts],
        counts=counts,
        total=sum(counts[state] for state in STATES),
        today=figures.period,
        summary_json=figures.model_dump(mode="json"),
        filters=filters,
        states=STATES,
        sources=SOURCE_NAMES,
        curl=views.webhook_curl(runtime.settings.resolved_public_url),
        ackable=views.ACKABLE,
        suppressible=views.SUPPRESSIBLE,
    )


@router.get("/ui/alerts/{alert_id}", response_class=HTMLResponse)
async def alert_page(alert_id: RecordId, request: Request, runtime: RuntimeDep) -> Response:
    """One alert: state, labels, links, timeline, notification attempts and actions."""
    history = await run_in_threadpool(queries.alert_history, runtime.db, alert_id)
    if history is None:
        return not_found(request, f"There is no alert with id {alert_id}.")
    alert = alert_detail(history, runtime.settings.resolved_public_url, runtime.clock())
    principal: Principal = request.state.principal  # set by require_page
    alert = alert.model_copy(update={"audit": await audit_for(request, principal, alert_id)})
    _, evidence = await run_in_threadpool(stored_evidence, runtime.db, alert_id)
    return render(
        request,
        "alert.html.j2",
        nav="alerts",
        alert=alert,
        evidence=evidence_shown(evidence),
        ackable=views.ACKABLE,
        suppressible=views.SUPPRESSIBLE,
        resolvable=views.RESOLVABLE,
    )


INCIDENTS_SHOWN = 100


@router.get("/ui/incidents", response_class=HTMLResponse)
async def incidents_page(
    request: Request,
    runtime: RuntimeDep,
    state: Annotated[IncidentState | None, Query(description="open or resolved; both when left out.")] = None,
) -> Response:
    """Incidents with the most recent activity first: what is open, and who was paged about it."""
    stored = await run_in_threadpool(queries.list_incidents, runtime.db, state=state, limit=INCIDENTS_SHOWN)
    public_url = runtime.settings.resolved_public_url
    return render(
        request,
        "incidents.html.j2",
        nav="incidents",
        incidents=[incident_out(item, public_url) for item in stored],
        state=state.value if state is not None else "",
        states=[value.value for value in IncidentState],
        limit=INCIDENTS_SHOWN,
    )


@router.get("/ui/incidents/{incident_id}", response_class=HTMLResponse)
async def incident_page(
    incident_id: RecordId,
    request: Request,
    runtime: RuntimeDep,
    done: Annotated[str | None, Query(max_length=16, description="split or merge: what a form did")] = None,
) -> Response:
    """One incident: its group labels, firing alerts, the messages sent about it, and its correlated
    incident (members, why each joined, the probable root) with the Split and Merge forms."""
    history = await run_in_threadpool(queries.incident_history, runtime.db, incident_id)
    if history is None:
        return not_found(request, f"There is no incident with id {incident_id}.")
    public_url = runtime.settings.resolved_public_url
    incident = incident_detail(history, public_url, runtime.clock())
    found = await run_in_threadpool(
        correlation_ops.correlation_of, runtime.db, incident_id, runtime.settings.correlation
    )
    return render(
        request,
        "incident.html.j2",
        nav="incidents",
        incident=incident,
        correlation=correlation_out(found, public_url) if found else None,
        done=done or "",
        ackable=views.ACKABLE,
        suppressible=views.SUPPRESSIBLE,
    )


@router.get("/ui/silences", response_class=HTMLResponse)
async def silences_page(
    request: Request,
    runtime: RuntimeDep,
    from_alert: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    """Silences, newest first, and a form to create one (pre-filled from an alert's labels)."""
    matchers, source_alert = "", None
    if from_alert is not None:
        history = await run_in_threadpool(queries.alert_history, runtime.db, from_alert)
        if history is None:
            return not_found(request, f"There is no alert with id {from_alert} to silence.")
        matchers, source_alert = views.silence_matchers(history.alert.record), history.alert
    stored = await run_in_threadpool(runtime.silences.listing, None, 200)
    now = runtime.clock()
    return render(
        request,
        "silences.html.j2",
        nav="silences",
        silences=[silence_out(item, now) for item in stored],
        matchers=matchers,
        source_alert=source_alert,
    )


@router.get("/ui/channels", response_class=HTMLResponse)
async def channels_page(request: Request, runtime: RuntimeDep) -> Response:
    """Channels with their health, the running policy, how each alert source is authenticated, and
    the configuration's warnings."""
    settings = runtime.settings
    credentials = await run_in_threadpool(access_of(request).credentials_exist)
    return render(
        request,
        "channels.html.j2",
        nav="channels",
        channels=views.channel_rows(settings, runtime.channels),
        notes=[line for line in describe_channels(settings.channels) if "not configured" in line],
        policy=describe_policy(runtime.mediator.policy),
        routes=describe_routes(settings.policy.routes),
        warnings=config_warnings(settings, credentials_exist=credentials),
        sources=source_access(settings, credentials_exist=credentials),
    )


LOG_WINDOWS = ("15m", "1h", "6h", "24h")
LOG_ROWS = 50


@router.get("/ui/logs", response_class=HTMLResponse)
async def logs_page(
    request: Request,
    runtime: RuntimeDep,
    service: Annotated[str | None, Query(max_length=200)] = None,
    window: Annotated[str, Query(max_length=16)] = log_api.DEFAULT_WINDOW,
) -> Response:
    """Logs: critical lines as they arrive with their reasons and feedback buttons, the busiest templates
    with sparklines, and new templates; the page's script keeps them live through the /logs/ API."""
    try:
        length = log_api.parse_window(window)
    except ValueError as exc:
        return render(request, "error.html.j2", 400, title="Bad filter", message=f"window: {exc}")
    wanted = service.strip() if service and service.strip() else None
    now, db = runtime.clock(), runtime.db
    critical = await run_in_threadpool(
        log_api.read_critical, db, after_id=None, service=wanted, limit=LOG_ROWS
    )
    top = await run_in_threadpool(log_api.read_top, db, now=now, window=length, service=wanted, limit=20)
    new = await run_in_threadpool(log_api.read_new, db, now=now, window=length, service=wanted, limit=20)
    return render(
        request,
        "logs.html.j2",
        nav="logs",
        service=wanted or "",
        window=window,
        windows=sorted({*LOG_WINDOWS, window}, key=log_api.parse_window),
        services=sorted({*top.services, *([wanted] if wanted else [])}),
        critical=critical,
        top=top,
        new=new,
        critical_json=critical.model_dump(mode="json"),
        top_json=top.model_dump(mode="json"),
        new_json=new.model_dump(mode="json"),
    )


class CachedStaticFiles(StaticFiles):
    """Static files with a ``Cache-Control`` header."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}"
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def install(app: FastAPI) -> None:
    """Add the pages and serve the static files at ``/static`` (``/`` itself is wired in api/app.py)."""
    app.include_router(router)
    app.mount("/static", CachedStaticFiles(directory=HERE / "static"), name="static")
