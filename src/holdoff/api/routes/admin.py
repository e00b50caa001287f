"""Administration: apply a changed configuration without a restart."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from holdoff.api.auth import AUTH_RESPONSES, require
from holdoff.api.deps import RuntimeDep
from holdoff.auth.roles import Role
from holdoff.settings.file import ConfigError

router = APIRouter(
    prefix="/admin", tags=["admin"], dependencies=[Depends(require(Role.ADMIN))], responses=AUTH_RESPONSES
)


class ReloadOut(BaseModel):
    reloaded: bool
    routes: int
    noise_rules: int
    restart_needed: list[str] = Field(description="Changed settings that only apply after a restart.")


@router.post(
    "/reload",
    response_model=ReloadOut,
    responses={422: {"description": "The configuration does not validate; the running policy is unchanged"}},
)
async def reload(runtime: RuntimeDep) -> ReloadOut:
    """Read the configuration again and apply its policy (routes, grace, flapping, noise rules) now."""
    try:
        done = await run_in_threadpool(runtime.reload_policy)
    except ConfigError as exc:
        raise HTTPException(422, f"{exc}; the running policy is unchanged") from exc
    return ReloadOut(
        reloaded=True,
        routes=done.routes,
        noise_rules=done.noise_rules,
        restart_needed=list(done.restart_needed),
    )
