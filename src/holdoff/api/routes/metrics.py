"""``GET /metrics/summary``: the figures behind the dashboard's cards and noise-reduction chart."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from holdoff.api.alert_filters import query_time
from holdoff.api.auth import AUTH_RESPONSES, by_method
from holdoff.api.deps import RuntimeDep
from holdoff.service import summary

router = APIRouter(
    prefix="/metrics", tags=["metrics"], dependencies=[Depends(by_method)], responses=AUTH_RESPONSES
)


class StateCounts(BaseModel):
    pending: int
    escalated: int
    acknowledged: int
    suppressed: int
    resolved: int
    open: int = Field(description="pending + escalated + acknowledged + suppressed")


class PeriodOut(BaseModel):
    since: datetime
    until: datetime
    alerts_received: int = Field(
        description="Alerts in: alert occurrences that opened in the period (a first trigger, or a "
        "trigger after resolution), counted when they arrived, pending ones included, whatever became "
        "of them later."
    )
    pages_sent: int = Field(
        description="Pages out: escalation and reminder messages queued in the period (alert and "
        "incident messages alike), once per message however many channels it went to, whatever its "
        "delivery did afterwards."
    )
    resolved: int = Field(description="Occurrences that resolved.")
    transient: int = Field(
        description="Occurrences that resolved inside their grace window: nobody was paged."
    )
    transient_ratio: float | None = Field(description="transient / resolved; null when nothing resolved.")
    mtta_seconds: float | None = Field(
        description="Mean time from escalation to acknowledgement, over acknowledgements in the period."
    )
    mttr_seconds: float | None = Field(
        description="Mean time an occurrence was open, over occurrences that resolved in the period."
    )


class HourOut(BaseModel):
    hour: datetime = Field(description="Start of the hour (UTC).")
    alerts_in: int = Field(description="As alerts_received, for this hour.")
    pages_out: int = Field(description="As pages_sent, for this hour.")


class SummaryOut(BaseModel):
    now: datetime
    states: StateCounts = Field(description="Alerts in each state now.")
    period: PeriodOut = Field(description="From since (default: midnight UTC today) until now.")
    hourly: list[HourOut] = Field(
        description="The last 24 hours, oldest first; the last is this hour. Counted as the period is: "
        "the hours since midnight add up to the period's figures when since is left out."
    )


def summary_out(done: summary.Summary) -> SummaryOut:
    """The API's shape of a summary; the dashboard's first paint embeds the same JSON."""
    outcomes = done.outcomes
    return SummaryOut(
        now=done.now,
        states=StateCounts(**done.states, open=done.open),
        period=PeriodOut(
            since=done.since,
            until=done.now,
            alerts_received=done.period.alerts_in,
            pages_sent=done.period.pages_out,
            resolved=outcomes.resolved,
            transient=outcomes.transient,
            transient_ratio=done.transient_ratio,
            mtta_seconds=outcomes.mean_ack_seconds,
            mttr_seconds=outcomes.mean_open_seconds,
        ),
        hourly=[HourOut(hour=p.hour, alerts_in=p.alerts_in, pages_out=p.pages_out) for p in done.hourly],
    )


@router.get("/summary", response_model=SummaryOut)
async def get_summary(
    runtime: RuntimeDep,
    since: Annotated[
        datetime | None,
        Query(description="Start of the period (ISO 8601; UTC if no zone); default midnight UTC today."),
    ] = None,
) -> SummaryOut:
    """Counts per state, alerts received vs pages sent, transient ratio, MTTA and MTTR, and the
    per-hour series of alerts in vs pages out."""
    now = runtime.clock()
    since = query_time(since, "since")
    if since is not None and since > now:
        raise HTTPException(400, f"since {since.isoformat()} is in the future")
    done = await run_in_threadpool(summary.summarize, runtime.db, now, since)
    return summary_out(done)
