"""Silences: mute the notifications of alerts whose labels match, for a while."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.concurrency import run_in_threadpool

from holdoff.api.auth import AUTH_RESPONSES, ByMethod, by_method
from holdoff.api.deps import RuntimeDep
from holdoff.api.schemas import MatcherOut, SilenceIn, SilenceOut, SilencePage
from holdoff.mediate.durations import parse_duration
from holdoff.service.silences import SilenceSpec
from holdoff.store.silences import SilenceState, StoredSilence

router = APIRouter(
    prefix="/silences", tags=["silences"], dependencies=[Depends(by_method)], responses=AUTH_RESPONSES
)

SilenceId = Annotated[int, Path(ge=1, le=2**62, description="The silence's id.")]

_NOT_FOUND: dict[int | str, dict[str, str]] = {404: {"description": "No such silence"}}
_REJECTED: dict[int | str, dict[str, str]] = {
    422: {"description": "Invalid body, or a silence that cannot work (detail says why)"}
}


def silence_out(stored: StoredSilence, now: datetime) -> SilenceOut:
    s = stored.silence
    return SilenceOut(
        id=s.id,
        matchers=[MatcherOut(name=m.name, type=m.type, value=m.value) for m in s.matchers],
        text="{" + ", ".join(str(m) for m in s.matchers) + "}",
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        created_by=s.created_by,
        comment=s.comment,
        state=stored.state(now),
        created_at=stored.created_at,
        updated_at=stored.updated_at,
    )


def _spec(body: SilenceIn, now: datetime, created_by: str) -> SilenceSpec:
    ends_at = body.ends_at
    if body.duration is not None:
        try:
            ends_at = (body.starts_at or now) + parse_duration(body.duration)
        except OverflowError:
            raise HTTPException(422, "duration: the silence would end after the year 9999") from None
    assert ends_at is not None  # SilenceIn requires ends_at or duration
    return SilenceSpec(
        matchers=body.parsed_matchers(),
        starts_at=body.starts_at,
        ends_at=ends_at,
        created_by=created_by,
        comment=body.comment,
    )


@router.post("", status_code=201, response_model=SilenceOut, responses=_REJECTED)
async def create_silence(body: SilenceIn, runtime: RuntimeDep, principal: ByMethod) -> SilenceOut:
    """Silence alerts matching every matcher from starts_at (default now) to ends_at or for duration."""
    spec = _spec(body, runtime.clock(), principal.actor(body.created_by))
    stored = await run_in_threadpool(runtime.silences.create, spec)
    return silence_out(stored, runtime.clock())


@router.get("", response_model=SilencePage)
async def list_silences(
    runtime: RuntimeDep,
    state: Annotated[SilenceState | None, Query(description="Only silences in this state now.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> SilencePage:
    """Silences, newest first."""
    items = await run_in_threadpool(runtime.silences.listing, state, limit)
    now = runtime.clock()
    return SilencePage(items=[silence_out(item, now) for item in items])


@router.get("/{silence_id}", response_model=SilenceOut, responses=_NOT_FOUND)
async def get_silence(silence_id: SilenceId, runtime: RuntimeDep) -> SilenceOut:
    """One silence and its state now."""
    stored = await run_in_threadpool(runtime.silences.get, silence_id)
    return silence_out(stored, runtime.clock())


@router.put(
    "/{silence_id}",
    response_model=SilenceOut,
    responses={**_NOT_FOUND, **_REJECTED, 409: {"description": "The silence has expired"}},
)
async def update_silence(silence_id: SilenceId, body: SilenceIn, runtime: RuntimeDep) -> SilenceOut:
    """Change a pending or active silence (an active one keeps its start; created_by is kept)."""
    spec = _spec(body, runtime.clock(), body.created_by)  # the service keeps the original on update
    stored = await run_in_threadpool(runtime.silences.update, silence_id, spec)
    return silence_out(stored, runtime.clock())


@router.delete("/{silence_id}", response_model=SilenceOut, responses=_NOT_FOUND)
async def expire_silence(silence_id: SilenceId, runtime: RuntimeDep) -> SilenceOut:
    """End the silence now (idempotent); alerts it muted that still fire are escalated."""
    stored = await run_in_threadpool(runtime.silences.expire, silence_id)
    return silence_out(stored, runtime.clock())
