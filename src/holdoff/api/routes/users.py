"""``POST /admin/users/{name}/unlock``: an admin lifts a user's login throttling (audited, as every
change is)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from holdoff.api.auth import AUTH_RESPONSES, access_of, require
from holdoff.auth.passwords import UnknownUser
from holdoff.auth.roles import Role

router = APIRouter(
    prefix="/admin/users",
    tags=["admin"],
    dependencies=[Depends(require(Role.ADMIN))],
    responses=AUTH_RESPONSES,
)

UserName = Annotated[str, Path(min_length=1, max_length=64, description="The user's login name.")]


class Unlocked(BaseModel):
    name: str
    cleared: int = Field(
        description="How many client addresses were throttled or counting failed logins for this user."
    )


@router.post("/{name}/unlock", response_model=Unlocked, responses={404: {"description": "No such user"}})
async def unlock(name: UserName, request: Request) -> Unlocked:
    """Forget the failed logins of this user from every address, so it can log in again at once."""
    try:
        cleared = await run_in_threadpool(access_of(request).users.unlock, name)
    except UnknownUser as exc:
        raise HTTPException(404, str(exc)) from None
    return Unlocked(name=name, cleared=cleared)
