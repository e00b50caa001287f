"""``GET /channels``: the configured channels and the health of their deliveries, with how each alert
source is authenticated and the configuration's warnings (the dashboard's channels page shows the same)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from holdoff.api.auth import AUTH_RESPONSES, access_of, by_method
from holdoff.api.deps import RuntimeDep
from holdoff.service.channel_status import Health, channel_statuses
from holdoff.settings.warnings import SourceAuth, config_warnings, source_access

router = APIRouter(
    prefix="/channels", tags=["channels"], dependencies=[Depends(by_method)], responses=AUTH_RESPONSES
)


class ChannelOut(BaseModel):
    name: str
    type: str = Field(description="teams, email, slack, pagerduty, opsgenie, webhook, msgraph, apprise ...")
    kinds: list[str] | None = Field(description="Message kinds it takes; null: every kind.")
    rate_per_second: float | None = Field(description="At most this many sends per second; null: no limit.")
    health: Health = Field(description="ok: last attempt succeeded; failing: it failed; unknown: none yet.")
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None = Field(description="The error of the most recent failed attempt.")
    failures_in_a_row: int = Field(description="Failed attempts since the last success.")
    queued: int = Field(description="Messages waiting in the outbox for it.")


class SourceOut(BaseModel):
    name: str
    endpoint: str = Field(description="The path its webhooks are posted to.")
    auth: SourceAuth = Field(
        description="token or sns: authenticated; open: open on purpose (sources.<name>.open); open-mode: "
        "the whole service runs open; unauthenticated: no token in protected mode (serve refuses to start)."
    )


class WarningOut(BaseModel):
    code: str = Field(
        description="sns-signatures-off, public-url-loopback, public-url-unset, ingest-unauthenticated"
    )
    message: str = Field(description="What is wrong and what to do.")
    fix: str = Field(description="The exact settings to write, when there are some; else empty.")


class ChannelList(BaseModel):
    items: list[ChannelOut]
    sources: list[SourceOut] = Field(description="How each alert source's webhooks are authenticated.")
    warnings: list[WarningOut] = Field(description="Configuration warnings, as check-config prints them.")


@router.get("", response_model=ChannelList)
async def list_channels(request: Request, runtime: RuntimeDep) -> ChannelList:
    """Every configured channel with its type, the kinds it takes, its rate and its delivery health;
    how each alert source is authenticated; and the configuration's warnings."""
    found = await run_in_threadpool(channel_statuses, runtime.db, runtime.settings, runtime.channels)
    credentials = await run_in_threadpool(access_of(request).credentials_exist)
    return ChannelList(
        sources=[
            SourceOut(name=status.name, endpoint=status.endpoint, auth=status.auth)
            for status in source_access(runtime.settings, credentials_exist=credentials)
        ],
        warnings=[
            WarningOut(code=warning.code, message=warning.message, fix=warning.fix)
            for warning in config_warnings(runtime.settings, credentials_exist=credentials)
        ],
        items=[
            ChannelOut(
                name=status.name,
                type=status.type,
                kinds=status.kinds,
                rate_per_second=status.rate_per_second,
                health=status.health,
                last_attempt_at=status.deliveries.last_attempt_at,
                last_success_at=status.deliveries.last_success_at,
                last_failure_at=status.deliveries.last_failure_at,
                last_error=status.deliveries.last_error,
                failures_in_a_row=status.deliveries.failures_in_a_row,
                queued=status.deliveries.queued,
            )
            for status in found
        ],
    )
