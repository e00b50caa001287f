"""``/policy``: the running policy described, a candidate configuration validated, and a reload."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from holdoff.api.auth import AUTH_RESPONSES, by_method, require
from holdoff.api.deps import RuntimeDep
from holdoff.api.routes import admin
from holdoff.auth.roles import Role
from holdoff.service.policy_view import PolicyView, RouteView, describe, validate_yaml
from holdoff.settings.file import ConfigError

router = APIRouter(prefix="/policy", tags=["policy"], responses=AUTH_RESPONSES)

YAML_TYPES = ("text/yaml", "application/yaml", "application/x-yaml", "text/x-yaml")


class RouteOut(BaseModel):
    name: str
    match: str = Field(description='Its matchers, e.g. {team="payments"}.')
    grace_seconds: float | None = Field(description="Its own grace window; null: inherited.")
    continue_matching: bool
    group_by: list[str] | None
    channels: dict[str, list[str]] | None = Field(description="Channels per message kind; null: inherited.")
    escalation_steps: int
    routes: list[RouteOut]


class GroupingOut(BaseModel):
    by: list[str]
    wait_seconds: float
    interval_seconds: float


class PolicyOut(BaseModel):
    grace_seconds: float = Field(description="The default route's grace window.")
    routes: list[RouteOut] = Field(description="The routing tree under the default route.")
    route_count: int
    grouping: GroupingOut | None = Field(description="The default route's grouping; null: none.")
    quiet_hours: bool
    digest_interval_seconds: float
    transient_digest: bool = Field(description="Transient posts go into the digest instead of one each.")
    inhibit_rules: int
    noise_rules: int
    flapping_threshold: int = Field(description="Re-triggers that make an alert flapping; 0: off.")
    lines: list[str] = Field(description="The same, as holdoff check-config prints it.")


class PolicyValid(BaseModel):
    ok: bool = True
    summary: PolicyOut


class PolicyInvalid(BaseModel):
    ok: bool = False
    detail: str
    errors: list[str] = Field(description="One entry per problem, with its line in the file when known.")


def _route_out(route: RouteView) -> RouteOut:
    return RouteOut(
        name=route.name,
        match=route.match,
        grace_seconds=route.grace_seconds,
        continue_matching=route.continue_matching,
        group_by=route.group_by,
        channels=route.channels,
        escalation_steps=route.escalation_steps,
        routes=[_route_out(child) for child in route.routes],
    )


def _policy_out(view: PolicyView) -> PolicyOut:
    grouping = view.grouping
    return PolicyOut(
        grace_seconds=view.grace_seconds,
        routes=[_route_out(route) for route in view.routes],
        route_count=view.route_count,
        grouping=GroupingOut(
            by=grouping.by, wait_seconds=grouping.wait_seconds, interval_seconds=grouping.interval_seconds
        )
        if grouping is not None
        else None,
        quiet_hours=view.quiet_hours,
        digest_interval_seconds=view.digest_interval_seconds,
        transient_digest=view.transient_digest,
        inhibit_rules=view.inhibit_rules,
        noise_rules=view.noise_rules,
        flapping_threshold=view.flapping_threshold,
        lines=view.lines,
    )


@router.get("", response_model=PolicyOut, dependencies=[Depends(by_method)])
async def get_policy(runtime: RuntimeDep) -> PolicyOut:
    """The running policy: routing tree, grouping, quiet hours, digest and rule counts."""
    return _policy_out(describe(runtime.settings, runtime.mediator.policy))


_YAML_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The configuration file's text, as given to holdoff serve --config.",
        "content": {media: {"schema": {"type": "string"}} for media in ("text/yaml", "application/yaml")},
    }
}


@router.post(
    "/validate",
    dependencies=[Depends(require(Role.ADMIN))],
    response_model=PolicyValid,
    openapi_extra=_YAML_BODY,
    responses={
        400: {"description": "The body is not UTF-8 text"},
        415: {"description": "The body is not sent as YAML"},
        422: {"model": PolicyInvalid, "description": "The configuration does not validate"},
    },
)
async def validate_policy(request: Request, runtime: RuntimeDep) -> PolicyValid | JSONResponse:
    """Check a configuration file without applying it: the policy it would run, or every problem with
    its line number. It is read as the service reads its own (environment, ``--env-file`` secrets)."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() not in YAML_TYPES:
        raise HTTPException(
            415, f"Content-Type {content_type!r} is not supported: send text/yaml or application/yaml"
        )
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(400, f"request body is not valid UTF-8 (byte {exc.start})") from exc
    if "\x00" in text:
        raise HTTPException(400, "request body contains a NUL character")
    try:
        view = await run_in_threadpool(validate_yaml, text, runtime.candidate_settings)
    except ConfigError as exc:
        detail = str(exc)
        errors = detail.removeprefix("invalid configuration: ").split("; ")
        return JSONResponse(PolicyInvalid(detail=detail, errors=errors).model_dump(), status_code=422)
    return PolicyValid(summary=_policy_out(view))


@router.post(
    "/reload",
    dependencies=[Depends(require(Role.ADMIN))],
    response_model=admin.ReloadOut,
    responses={422: {"description": "The configuration does not validate; the running policy is unchanged"}},
)
async def reload_policy(runtime: RuntimeDep) -> admin.ReloadOut:
    """Read the configuration again and apply its policy now (the same as POST /admin/reload)."""
    return await admin.reload(runtime)
